import { createServer, type Socket, connect } from 'node:net';

/*
 * The network between a tablet and the appliance, as a TCP relay the test can cut: every open connection is
 * reset, and while `refusing`, new ones are dropped as soon as they arrive, as when the store's Wi-Fi is down.
 */

export interface CuttableProxy {
  /** The appliance's URL through the relay. */
  url: string;
  /** Resets every open connection. */
  cut(): void;
  refuse(refusing: boolean): void;
  close(): Promise<void>;
}

export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut: () => {
      for (const s of open) s.resetAndDestroy();
    },
    refuse: (on) => {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
