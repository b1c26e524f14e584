module.exports.handler = async () => ({ style: 'cjs', requireIs: typeof require });
