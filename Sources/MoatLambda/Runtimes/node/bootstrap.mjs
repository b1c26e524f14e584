// Moat's bootstrap for the AWS Lambda `nodejs*.x` runtimes.
//
// Moat starts this file as a child process (`node bootstrap.mjs`) for each execution environment. It loads the
// function's handler, then serves invocations one at a time through the Lambda Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) that Moat listens on at AWS_LAMBDA_RUNTIME_API.
//
// Environment, set by Moat:
//   AWS_LAMBDA_RUNTIME_API   host:port of the Runtime API
//   _HANDLER                 `file.export`, the file relative to LAMBDA_TASK_ROOT (`src/app.handler`); the export may
//                            be a path (`app.nested.handler`)
//   LAMBDA_TASK_ROOT         the unzipped code, also the working directory
//   AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
//   AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_REGION   read into the context object
//   AWS_LAMBDA_LOG_LEVEL     optional lowest console level that is printed (default: all)
//
// What users can observe follows AWS's runtime interface client as the nodejs18.x to nodejs22.x runtimes ship it
// (aws/aws-lambda-nodejs-runtime-interface-client 3.x: src/UserFunction.js, Runtime.js, CallbackContext.js,
// InvokeContext.js, LogPatch.js, Errors.js): how the handler file is found, error types and messages, callback and
// promise handlers, `callbackWaitsForEmptyEventLoop`, the console's line format. Differences are listed in
// Tests/runtimes/README.md.
//
// Node 18 or later, built-in modules only.

import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const require = createRequire(import.meta.url);

const API_PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
// AWS's runtimes answer a handler's error with this error type header; init errors carry their own errorType.
const UNHANDLED = 'Unhandled';
// The Runtime API answers 500 when the environment is broken; the runtime must then exit (Runtime API docs).
const CONTAINER_ERROR = 500;
// Exit codes of AWS's runtime after an uncaught exception and after an unhandled rejection.
const UNCAUGHT_EXCEPTION_EXIT = 129;
const UNHANDLED_REJECTION_EXIT = 128;

// Errors of the runtime, named as AWS names them.

function runtimeErrorClass(type) {
  const RuntimeError = class extends Error {};
  Object.defineProperty(RuntimeError.prototype, 'name', { value: `Runtime.${type}`, writable: true });
  return RuntimeError;
}

const ImportModuleError = runtimeErrorClass('ImportModuleError');
const HandlerNotFound = runtimeErrorClass('HandlerNotFound');
const MalformedHandlerName = runtimeErrorClass('MalformedHandlerName');
const UserCodeSyntaxError = runtimeErrorClass('UserCodeSyntaxError');
const UnhandledPromiseRejection = runtimeErrorClass('UnhandledPromiseRejection');
const NodeJsExit = runtimeErrorClass('NodeJsExit');

const NODE_JS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise ' +
  'that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

class RuntimeApiError extends Error {}

function isErrorLike(value) {
  return (
    util.types.isNativeError(value) ||
    (value !== null &&
      typeof value === 'object' &&
      typeof value.name === 'string' &&
      typeof value.message === 'string' &&
      typeof value.stack === 'string')
  );
}

/** The error body posted to the Runtime API, as AWS's `toRapidResponse` builds it. */
function errorBody(error) {
  try {
    if (isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** An error as the log shows it: a tab, then JSON with its type, message, code, own properties and stack lines. */
function formatForLog(value) {
  const error = value instanceof Error ? value : new Error(value);
  const withProperties = (_key, member) => {
    if (!(member instanceof Error)) return member;
    const shown = Object.assign({ errorType: member.name, errorMessage: member.message, code: member.code }, member);
    if (typeof member.stack === 'string') shown.stack = member.stack.split('\n');
    return shown;
  };
  try {
    return '\t' + JSON.stringify(error, withProperties);
  } catch {
    return '\t' + JSON.stringify(errorBody(error));
  }
}

// Console: every line is `timestamp \t request id \t LEVEL \t message`, one line per call.

const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
let currentRequestId; // `undefined` in lines written before the first invocation, as on AWS

function logLine(level, message, ...params) {
  const text = util.format(message, ...params).replace(/\n/g, '\r');
  return `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${text}\n`;
}

function patchConsole() {
  const lowest = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const writer = (level) =>
    LEVELS[level] >= lowest ? (message, ...params) => process.stdout.write(logLine(level, message, ...params)) : () => {};
  console.trace = writer('TRACE');
  console.debug = writer('DEBUG');
  console.info = writer('INFO');
  console.log = console.info;
  console.warn = writer('WARN');
  console.error = writer('ERROR');
  console.fatal = writer('FATAL');
}

/** The runtime's own report of an error (`Invoke Error`, `Uncaught Exception`, ...), in the console's ERROR format. */
function reportError(title, error) {
  process.stderr.write(logLine('ERROR', title, formatForLog(error)));
}

// Runtime API client: one keep-alive connection, reopened once if the server dropped it while idle.

class RuntimeApiClient {
  constructor(address) {
    const separator = address.lastIndexOf(':');
    this.hostname = address.slice(0, separator);
    this.port = Number(address.slice(separator + 1));
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  async nextInvocation() {
    const { status, headers, body } = await this.request('GET', `${API_PREFIX}/invocation/next`);
    if (status !== 200) throw new RuntimeApiError(`GET /invocation/next answered ${status}: ${body.slice(0, 300)}`);
    return { headers, body };
  }

  postResponse(requestId, payload) {
    return this.post(`${API_PREFIX}/invocation/${encodeURIComponent(requestId)}/response`, payload, {});
  }

  postError(requestId, error) {
    const path = `${API_PREFIX}/invocation/${encodeURIComponent(requestId)}/error`;
    return this.post(path, JSON.stringify(errorBody(error)), { [ERROR_TYPE_HEADER]: UNHANDLED });
  }

  postInitError(error) {
    const body = errorBody(error);
    return this.post(`${API_PREFIX}/init/error`, JSON.stringify(body), { [ERROR_TYPE_HEADER]: body.errorType });
  }

  async post(path, payload, headers) {
    const { status, body } = await this.request('POST', path, payload, headers);
    if (status === CONTAINER_ERROR) throw new RuntimeApiError(`POST ${path} answered ${status}: ${body.slice(0, 300)}`);
    if (status < 200 || status >= 300) {
      // 400 (bad request id) and 413 (payload too large) concern this invocation only: go on to the next.
      process.stderr.write(`Runtime API answered ${status} to POST ${path}: ${body.slice(0, 300)}\n`);
    }
  }

  async request(method, path, payload, headers) {
    try {
      return await this.exchange(method, path, payload, headers);
    } catch (error) {
      if (!error.reusedSocket) throw new RuntimeApiError(`${method} ${path} failed: ${error.message}`);
    }
    try {
      return await this.exchange(method, path, payload, headers);
    } catch (error) {
      throw new RuntimeApiError(`${method} ${path} failed: ${error.message}`);
    }
  }

  exchange(method, path, payload, headers) {
    return new Promise((resolve, reject) => {
      const options = { agent: this.agent, hostname: this.hostname, port: this.port, method, path, headers: {} };
      let body;
      if (payload !== undefined) {
        body = Buffer.from(payload, 'utf8');
        options.headers = { 'Content-Type': 'application/json', 'Content-Length': body.length, ...headers };
      }
      const request = http.request(options, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      });
      request.on('error', (error) => {
        error.reusedSocket = request.reusedSocket;
        reject(error);
      });
      request.end(body);
    });
  }
}

// Loading the handler

/** Whether the nearest package.json above `folder` says `"type": "module"`; the search stops at node_modules. */
function packageTypeIsModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const packageJson = path.join(folder, 'package.json');
  if (fs.existsSync(packageJson)) {
    try {
      return JSON.parse(fs.readFileSync(packageJson, 'utf8'))?.type === 'module';
    } catch (error) {
      console.warn(`${packageJson} cannot be read, it will be ignored for ES module detection purposes.`, error);
      return false;
    }
  }
  const parent = path.dirname(folder);
  return parent === folder ? false : packageTypeIsModule(parent);
}

const importFile = (file) => import(pathToFileURL(file).href);

/**
 * Load the handler's file the way Lambda does: the file without extension (CommonJS), `.js` (CommonJS, or an ES
 * module under a package.json with `"type": "module"`), `.mjs`, `.cjs`; then a node_modules package of that name.
 */
async function loadModule(appRoot, moduleRoot, moduleName) {
  const file = path.resolve(appRoot, moduleRoot, moduleName);
  if (fs.existsSync(file)) return require(file);
  const typeModule = packageTypeIsModule(path.dirname(file));
  if (fs.existsSync(`${file}.js`)) return typeModule ? importFile(`${file}.js`) : require(`${file}.js`);
  if (fs.existsSync(`${file}.mjs`)) return importFile(`${file}.mjs`);
  if (fs.existsSync(`${file}.cjs`)) return require(`${file}.cjs`);
  return require(require.resolve(moduleName, { paths: [appRoot, path.join(appRoot, moduleRoot)] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.slice(0, fullHandler.length - handlerString.length);
  const match = /^([^.]*)\.(.*)$/.exec(handlerString);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, exportPath] = match;

  let userModule;
  try {
    userModule = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) throw new UserCodeSyntaxError(String(error));
    if (error?.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(String(error));
    throw error;
  }
  const handler = exportPath.split('.').reduce((nested, key) => nested && nested[key], userModule);
  if (!handler) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

// Invocations

const isPromise = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`Cannot parse ${name} as json: ${error.toString()}`);
  }
}

/**
 * The process state the runtime shares with its event handlers: what runs when the event loop empties
 * (`beforeExit`), and the invocation in flight, to which an uncaught exception is reported.
 */
const state = { onEmptyEventLoop: null, phase: 'init', requestId: undefined };

/** Run one invocation; resolves once its result or error has been posted. */
function invoke(client, handler, isAsync, { headers, body }) {
  return new Promise((resolveInvocation, rejectInvocation) => {
    const requestId = headers['lambda-runtime-aws-request-id'];
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    currentRequestId = requestId;
    state.phase = 'invoke';
    state.requestId = requestId;
    if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;

    const post = async (error, result) => {
      if (error !== undefined && error !== null) {
        reportError('Invoke Error', error);
        await client.postError(requestId, error);
        return;
      }
      let payload;
      try {
        payload = JSON.stringify(result === undefined ? null : result) ?? 'null';
      } catch {
        await post(new Error('Unable to stringify response body'));
        return;
      }
      await client.postResponse(requestId, payload);
    };
    const complete = (error, result) => {
      state.onEmptyEventLoop = null;
      state.phase = 'idle';
      post(error, result).then(resolveInvocation, rejectInvocation);
    };

    // The first of callback, succeed, fail, done and the returned promise decides the outcome.
    let decided = false;
    const once =
      (decide) =>
      (...args) => {
        if (decided) return;
        decided = true;
        decide(...args);
      };
    let waitsForEmptyEventLoop = true;
    const callback = once((error, result) => {
      if ((error !== undefined && error !== null) || !waitsForEmptyEventLoop) complete(error, result);
      else state.onEmptyEventLoop = () => complete(null, result);
    });
    const done = once((error, result) => complete(error, result));
    const succeed = (result) => done(null, result);
    const fail = (error) => done(error === undefined || error === null ? 'handled' : error, null);

    // A handler that neither calls back nor settles a promise ends when the event loop is empty.
    state.onEmptyEventLoop = once(() =>
      isAsync ? complete(new NodeJsExit(NODE_JS_EXIT_MESSAGE)) : complete(null, null),
    );

    try {
      const context = {
        get callbackWaitsForEmptyEventLoop() {
          return waitsForEmptyEventLoop;
        },
        set callbackWaitsForEmptyEventLoop(value) {
          waitsForEmptyEventLoop = value;
        },
        succeed,
        fail,
        done,
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
        clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
        identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
        invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
        awsRequestId: requestId,
        tenantId: headers['lambda-runtime-aws-tenant-id'],
        getRemainingTimeInMillis: () => deadline - Date.now(),
      };
      const result = handler(JSON.parse(body), context, callback);
      if (isPromise(result)) result.then(succeed, fail);
    } catch (error) {
      callback(error);
    }
  });
}

/** An uncaught exception or unhandled rejection: report it where it belongs, then exit as AWS's runtime does. */
async function crash(client, title, error, exitCode) {
  reportError(title, error);
  try {
    if (state.phase === 'init') await client.postInitError(error);
    else if (state.phase === 'invoke') await client.postError(state.requestId, error);
  } finally {
    process.exit(exitCode);
  }
}

async function main() {
  patchConsole();
  const client = new RuntimeApiClient(process.env.AWS_LAMBDA_RUNTIME_API);
  process.on('uncaughtException', (error) => crash(client, 'Uncaught Exception', error, UNCAUGHT_EXCEPTION_EXIT));
  process.on('unhandledRejection', (reason) => {
    const error = new UnhandledPromiseRejection(reason);
    crash(client, 'Unhandled Promise Rejection', error, UNHANDLED_REJECTION_EXIT);
  });
  process.on('beforeExit', () => state.onEmptyEventLoop?.());

  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(appRoot, process.env._HANDLER ?? '');
  } catch (error) {
    await crash(client, 'Uncaught Exception', error, UNCAUGHT_EXCEPTION_EXIT);
    return;
  }
  const isAsync = handler.constructor?.name === 'AsyncFunction';
  state.phase = 'idle';
  for (;;) {
    // Console output is written synchronously (files and pipes on POSIX), so the last invocation's logs are out.
    const invocation = await client.nextInvocation();
    await invoke(client, handler, isAsync, invocation);
  }
}

main().catch((error) => {
  process.stderr.write(`Lambda runtime bootstrap: ${error?.message ?? error}\n`);
  process.exit(1);
});
