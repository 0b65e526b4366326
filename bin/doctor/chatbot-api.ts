// Doctor adapter: Amazon Q Developer in chat applications (AWS Chatbot) read calls, signed with SigV4 by hand.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, ChecksumConstructor, HashConstructor } from '@smithy/types';

/**
 * The regions Chatbot's API answers in (API reference, "AWS Chatbot APIs are currently available in"); a channel
 * configuration is readable from each.
 */
export const CHATBOT_API_REGIONS = ['us-east-2', 'us-west-2', 'ap-southeast-1', 'eu-west-1'] as const;

/** The Chatbot API region for a janitor: its own when Chatbot answers there, else us-east-2 (the console's). */
export function chatbotRegion(region: string): string {
  return (CHATBOT_API_REGIONS as readonly string[]).includes(region) ? region : 'us-east-2';
}

/** What signs and sends: the credentials and hash of an SDK client (the same chain and profile as the others). */
export type ChatbotAuth = {
  readonly credentials: AwsCredentialIdentityProvider;
  readonly sha256: ChecksumConstructor | HashConstructor;
};

/**
 * Calls one Chatbot REST-JSON operation (`POST /<operation-path>` with a JSON body, as in the service model
 * chatbot 2017-10-11): no @aws-sdk/client-chatbot on npm has ListAssociations or GetCustomAction (it stops at
 * 3.670.0). The endpoint is `https://chatbot.REGION.amazonaws.com`, or AWS_ENDPOINT_URL_CHATBOT / AWS_ENDPOINT_URL
 * as the SDK's clients read them. A non-2xx answer throws an Error named after the service's error type.
 */
export async function chatbotCall<T>(
  auth: ChatbotAuth,
  region: string,
  path: string,
  body: object,
): Promise<T> {
  const base = new URL(
    process.env.AWS_ENDPOINT_URL_CHATBOT ??
      process.env.AWS_ENDPOINT_URL ??
      `https://chatbot.${region}.amazonaws.com`,
  );
  const text = JSON.stringify(body);
  const signer = new SignatureV4({
    credentials: auth.credentials,
    sha256: auth.sha256,
    service: 'chatbot',
    region,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port ? Number(base.port) : undefined,
    path,
    query: {},
    headers: { host: base.host, 'content-type': 'application/json' },
    body: text,
  });
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: signed.headers,
    body: text,
    signal: AbortSignal.timeout(15_000),
  });
  const answer = await res.text();
  if (res.ok) return (answer ? JSON.parse(answer) : {}) as T;
  const type = (res.headers.get('x-amzn-errortype') ?? '').split(':')[0] || `HTTP ${res.status}`;
  let message = answer;
  try {
    const parsed = JSON.parse(answer) as { message?: string; Message?: string };
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // Not JSON: the body as it came.
  }
  const error = new Error(message.slice(0, 500));
  error.name = type;
  throw error;
}
