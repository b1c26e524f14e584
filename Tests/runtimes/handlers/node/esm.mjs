// Handlers of the node bootstrap tests, as an ES module: one export per behaviour.

let invocations = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const echo = async (event) => ({ event });

export const nothing = async () => undefined;

export const boom = async () => {
  throw new Error('boom');
};

export const failsThenSucceeds = async (event) => {
  if (event.fail) throw new TypeError('asked to fail');
  return 'recovered';
};

export const count = async () => ({ invocations: ++invocations, pid: process.pid });

export const describeContext = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  memoryLimitType: typeof context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity === undefined ? 'undefined' : context.identity,
  clientContext: context.clientContext === undefined ? 'undefined' : context.clientContext,
  remainingMs: context.getRemainingTimeInMillis(),
  callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  legacyMethods: ['succeed', 'fail', 'done'].filter((name) => typeof context[name] === 'function'),
});

export const traceId = async () => process.env._X_AMZN_TRACE_ID ?? 'unset';

export const logs = async (event) => {
  console.log('logged', event.tag, 42);
  console.info('info %s', event.tag);
  console.warn('warn', event.tag);
  console.error('error', event.tag);
  console.debug('debug', event.tag);
  console.log('two\nlines', event.tag);
  return 'logged';
};

export const writesWithoutNewline = async (event) => {
  process.stdout.write('partial-' + event.tag);
  return 'written';
};

export const neverSettles = async () => new Promise(() => {});

export const throwsString = async () => {
  throw 'plain string';
};

export const circular = async () => {
  const value = {};
  value.self = value;
  return value;
};

export const uncaughtInTimer = async () => {
  setTimeout(() => {
    throw new Error('timer exploded');
  }, 10);
  await sleep(5000);
  return 'too late';
};

export const unhandledRejection = async () => {
  Promise.reject(new Error('nobody listens'));
  await sleep(5000);
  return 'too late';
};

export const nested = { handler: async () => 'nested export' };

export const notAFunction = 42;
