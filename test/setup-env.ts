// Every test: fake credentials and a region, so no SDK client ever looks for real AWS ones (IMDS, profiles).
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The CLI's default audit file (release without a state table) goes under XDG_STATE_HOME: never the real home here.
process.env.XDG_STATE_HOME ??= require('node:fs').mkdtempSync(
  require('node:path').join(require('node:os').tmpdir(), 'tflj-state-'),
);
