// Writes every command issued in one tick to the socket in one write, as node-redis does: the
// socket is corked at the first command of a tick and uncorked on process.nextTick. Unlike
// ioredis's auto-pipelining it builds no Pipeline objects and keeps every command's own path
// (timeouts, retries, order on the connection), so a lone caller pays one nextTick and a hundred
// concurrent callers cost Redis and the kernel one read and one write instead of a hundred.
// Installed only on connections the module creates (it wraps their sendCommand).
import type { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';

type SendCommand = Redis['sendCommand'];

export function coalesceWritesPerTick(client: Redis | Cluster): void {
  if ((client as Cluster).isCluster) {
    // A Cluster talks to each node through a Redis instance of its own, created as nodes appear.
    client.on('+node', (node: Redis) => corkEachTick(node));
    return;
  }
  corkEachTick(client as Redis);
}

function corkEachTick(client: Redis): void {
  const send: SendCommand = client.sendCommand.bind(client);
  let corked: Socket | undefined;
  const uncork = () => {
    corked?.uncork();
    corked = undefined;
  };
  client.sendCommand = ((command, stream) => {
    // `stream` is set by pipelines and transactions (their own buffer): leave those alone.
    if (corked === undefined && stream === undefined && client.status === 'ready') {
      const socket = client.stream as Socket | undefined;
      if (socket && typeof socket.cork === 'function') {
        corked = socket;
        socket.cork();
        process.nextTick(uncork);
      }
    }
    return send(command, stream);
  }) as SendCommand;
}
