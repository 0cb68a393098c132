/**
 * The layer rules of letsrobot, checked by test/rules/rules.test.ts (part of `bun run test:all`).
 * lib/robot is the protocol-neutral robot runtime; lib/letsrobot and lib/remo are its connectors;
 * lib/server is the platform `serve` runs; commands/ and cli/ sit on top of everything.
 */
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", comment: "no module may load itself through others, not even through type-only imports", from: {}, to: { circular: true } },
    { name: "lib-not-commands", severity: "error", comment: "lib is the library; commands and cli use it, never the other way", from: { path: "^lib/" }, to: { path: "^(commands|cli)/" } },
    { name: "lib-not-test-bench", severity: "error", comment: "nothing that ships may load tests or benchmarks", from: { path: "^lib/" }, to: { path: "^(test|bench)/" } },
    { name: "connectors-apart", severity: "error", comment: "a connector never imports another connector", from: { path: "^lib/(letsrobot|remo)/" }, to: { path: "^lib/(letsrobot|remo)/", pathNot: "^lib/$1/" } },
    { name: "runtime-not-connectors", severity: "error", comment: "the robot runtime knows connectors only through its Connector interface", from: { path: "^lib/robot/" }, to: { path: "^lib/(letsrobot|remo)/" } },
    { name: "server-not-robot", severity: "error", comment: "the platform never imports the robot runtime, its connectors or hardware", from: { path: "^lib/server/" }, to: { path: "^lib/(robot|letsrobot|hardware)/" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
