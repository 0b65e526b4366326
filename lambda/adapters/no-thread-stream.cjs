// Adapter: stands in for pino's thread-stream in the Lambda bundle (lib/bundling.ts aliases it here).
// The janitor logs synchronously to stdout (lambda/logger.ts) and never starts a pino transport, whose worker
// thread a bundle could not load anyway; pino only requires thread-stream at load, so its 10 KB stay out.
class NoThreadStream {
  constructor() {
    throw new Error('pino transports are not part of the janitor bundle: log to stdout (lambda/logger.ts)');
  }
}
module.exports = NoThreadStream;
