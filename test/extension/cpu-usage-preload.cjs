// Preloaded into a task process by the quiet no-op test (NODE_OPTIONS=--require): writes the
// process's CPU time and uptime when it exits, so the test can judge the task's own cost
// even when other suites keep the machine's cores busy.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  const report = {
    cpuMs: (user + system) / 1000,
    uptimeMs: process.uptime() * 1000,
  };
  writeFileSync(process.env.STAGEDOOR_CPU_REPORT, JSON.stringify(report));
});
