// A TCP load balancer for tests: each new connection goes to the first upstream that accepts it,
// so once a replica stops listening its clients' reconnections land on the next one.
import net from 'node:net';

export interface TcpProxy {
  url: string;
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamPorts: number[]): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.pause();
    const tryUpstream = (index: number) => {
      if (index >= upstreamPorts.length) return client.destroy();
      const upstream = net.connect(upstreamPorts[index]!, '127.0.0.1');
      let connected = false;
      upstream.once('error', () => {
        if (connected) client.destroy();
        else tryUpstream(index + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        open.add(upstream);
        upstream.once('close', () => open.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.resume();
      });
    };
    tryUpstream(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
