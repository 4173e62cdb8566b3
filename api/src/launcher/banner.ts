// The box `npm start` prints once the platform is ready: where to go, how to sign in, what the
// local worker does, what is missing, how to stop. A pure function of what the launcher found.

export type SignIn =
  | { kind: 'created'; token: string; file: string }
  | { kind: 'saved'; token: string; file: string }
  | { kind: 'configured' }
  | { kind: 'unknown'; file: string };

export interface BannerFacts {
  url: string;
  graphqlUrl: string;
  signIn: SignIn;
  /** Null when the local worker is off, with why. */
  worker: { home: string; prefix: string } | { off: string };
  /** Datasets that are registered but not available, each with what to do about it. */
  missingDatasets: string[];
}

function signInLines(signIn: SignIn): string[] {
  switch (signIn.kind) {
    case 'created':
      return [' Admin token (created now; also kept, readable only by you, in', `   ${signIn.file}):`, `   ${signIn.token}`];
    case 'saved':
      return [` Admin token (from ${signIn.file}):`, `   ${signIn.token}`];
    case 'configured':
      return [' Admin token: the one you set in XEENET_ADMIN_TOKEN.'];
    case 'unknown':
      return [
        ` Admin token: the one printed on the first start (${signIn.file} is missing or no longer valid).`,
        '   To make a new one, restart with XEENET_ADMIN_TOKEN set to a secret of 24+ characters.',
      ];
  }
}

export function bannerText(facts: BannerFacts): string {
  const line = '─'.repeat(76);
  const worker =
    'off' in facts.worker
      ? [` Worker:     none (${facts.worker.off}); run one with npx xeenet-worker start --server ${facts.url}`]
      : [
          ` Worker:     one local worker (real PyTorch) trains here; its lines start with "${facts.worker.prefix.trim()}".`,
          `             Folders: ${facts.worker.home}. Off: npm start -- --no-worker (or XEENET_LOCAL_WORKER=0).`,
        ];
  return [
    line,
    ' XeeNet is running.',
    ` Dashboard:  ${facts.url}   (sign in with the token below)`,
    ` GraphQL:    ${facts.graphqlUrl}   (HTTP and WebSocket; send "Authorization: Bearer <token>")`,
    ...signInLines(facts.signIn),
    ...worker,
    ' Demo:       npm run demo   (10 tasks of char-transformer, followed live in the terminal)',
    ...facts.missingDatasets.map((help) => ` Datasets:   ${help}`),
    ' Stop:       Ctrl-C once: the worker finishes and reports its task; twice: it gives the task back.',
    line,
  ].join('\n');
}
