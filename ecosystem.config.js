// PM2 definition of the Kismet room nodes.
//   npx pm2 start ecosystem.config.js         KISMET_NODES nodes (default: one per core)
//   npx pm2 scale kismet 4                    add nodes to the live cluster
//   npx pm2 reload kismet --parallel 1        replace nodes one at a time (each drains first)
// Every node gets its own port, BASE_PORT + instance number, and advertises it at
// PUBLIC_HOST:port, so joins routed to it through Redis reach it directly: PUBLIC_HOST
// is the address clients reach this machine at (a node refuses a loopback one while
// it listens on every interface).
const os = require('node:os');
// The Node and V8 flags every node runs with (server/nodeFlags.ts; KISMET_NODE_FLAGS replaces them).
const { nodeFlags } = require('./dist/server/nodeFlags.js');

const nodes = Number(process.env.KISMET_NODES || os.cpus().length);
const basePort = Number(process.env.BASE_PORT || 2567);
// Nodes without Redis never hear each other: each would hold its own copy of a person's session.
if (nodes > 1 && !process.env.REDIS_URL) {
  throw new Error(`ecosystem.config.js: ${nodes} nodes (KISMET_NODES, default one per core) need REDIS_URL and DATABASE_URL to form one cluster; without Redis run one node (KISMET_NODES=1)`);
}

module.exports = {
  apps: [
    {
      name: 'kismet',
      script: 'dist/server/main.js',
      exec_mode: 'fork',
      node_args: nodeFlags(),
      instances: nodes,
      increment_var: 'PORT',
      wait_ready: true, // the node says 'ready' once Postgres and Redis have answered
      listen_timeout: 60_000,
      kill_timeout: 35_000, // the node's own drain deadline is 30 s
      max_memory_restart: process.env.KISMET_MAX_MEMORY || '4G',
      time: false, // logs are JSON with their own timestamps
      env: {
        PORT: basePort,
        PUBLIC_HOST: process.env.PUBLIC_HOST,
        DATABASE_URL: process.env.DATABASE_URL,
        REDIS_URL: process.env.REDIS_URL,
        JWT_SECRET: process.env.JWT_SECRET,
        NATS_URL: process.env.NATS_URL, // domain events to NATS JetStream; off when unset
        NODE_ENV: process.env.NODE_ENV || 'production',
        LOG_LEVEL: process.env.LOG_LEVEL || 'info',
      },
    },
  ],
};
