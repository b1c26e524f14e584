// An ES module in a .js file, under a package.json with "type": "module". Its top-level await makes require() refuse
// it (ERR_REQUIRE_ASYNC_MODULE), so it only loads if the runtime imports it as an ES module.
const style = await Promise.resolve('esm-js');

export const handler = async () => ({ style, requireIs: typeof require });
