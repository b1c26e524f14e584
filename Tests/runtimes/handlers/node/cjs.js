// A CommonJS handler in a .js file with no package.json: Lambda loads it with require(). The export's name is
// computed, so only require() sees it (import() of CommonJS finds export names by reading the source).
const name = 'handler';
exports[name] = async (event) => ({ style: 'commonjs', requireIs: typeof require, event });
