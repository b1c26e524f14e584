// Callback-style and legacy context-method handlers (CommonJS).

exports.ok = (event, context, callback) => callback(null, { via: 'callback', event });

exports.error = (event, context, callback) => callback(new Error('callback failed'));

exports.waits = (event, context, callback) => {
  setTimeout(() => console.log('timer fired'), 300);
  callback(null, 'answered');
};

exports.doesNotWait = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log('timer fired'), 300);
  callback(null, 'answered');
};

exports.neverCallsBack = () => {
  setTimeout(() => console.log('timer fired'), 50);
};

exports.firstWins = (event, context, callback) => {
  callback(null, 'first');
  callback(null, 'second');
  context.succeed('third');
};

exports.succeed = (event, context) => context.succeed({ via: 'succeed' });

exports.fail = (event, context) => context.fail(new Error('failed via context'));

exports.failWithoutError = (event, context) => context.fail();

exports.done = (event, context) => context.done(null, { via: 'done' });

exports.doneWithError = (event, context) => context.done(new Error('done with error'));
