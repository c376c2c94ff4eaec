/**
 * The command line (commander): every command, its options and its help. Actions return through
 * {@link runCli}, which turns a {@link CliExit} (or any error) into a message and an exit code.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '../config/config-schema.js';
import { PLATFORMS, RESOURCE_TYPES } from '../domain/platform.js';
import { deadLetters } from './commands/dead-letters.js';
import { runDemo } from './commands/demo.js';
import {
  pollResourceNow,
  registerResource,
  registerResourcesFromFile,
  resumeResource,
  showStatus,
  unregisterResource,
} from './commands/resources.js';
import { ROLE_COMMANDS, runRoles } from './commands/roles.js';
import { runSimulator } from './commands/simulator.js';
import { CliExit, EXIT_USAGE, loadCliConfig, withServices, type CliIo } from './io.js';

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('must be 0-65535');
  return n;
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

const configOption = () =>
  new Option('--config <file>', 'JSON configuration file (environment variables win over it)');

/** Build the program; `setExitCode` receives each action's exit code. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('engagement-poller')
    .description(
      'Polls X, LinkedIn and TikTok for comments, mentions, replies and DMs of many client accounts, ' +
        'within rate limits, emitting each event exactly once.',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .addHelpText(
      'after',
      '\nConfiguration: EP_* environment variables and an optional --config FILE (docs/configuration.md).',
    );

  for (const [name, { roles, summary }] of Object.entries(ROLE_COMMANDS)) {
    program
      .command(name)
      .description(summary)
      .addOption(configOption())
      .action(async (opts: { config?: string }) => {
        await runRoles(loadCliConfig(io, opts.config), roles, io);
      });
  }

  const clientOption = () =>
    new Option('--client <clientId>', 'the client account').makeOptionMandatory();
  const stateOption = () =>
    new Option('--state <stateId>', 'the resource state id (see status)').makeOptionMandatory();
  const platformOption = () => new Option('--platform <platform>', 'platform').choices(PLATFORMS);
  const typeOption = () => new Option('--type <type>', 'resource type').choices(RESOURCE_TYPES);

  program
    .command('register')
    .description(
      'register a resource for polling (idempotent), or every resource of a JSON file with --file',
    )
    .option('--client <clientId>', 'the client account')
    .addOption(platformOption())
    .addOption(typeOption())
    .option('--id <resourceId>', 'resource id (post, video or account id) where the type takes one')
    .option(
      '--file <file>',
      'JSON list of resources ({clientId, platform, resourceType, resourceId?}), e.g. simulator --resources-file',
    )
    .addOption(configOption())
    .action(
      async (opts: {
        client?: string;
        platform?: string;
        type?: string;
        id?: string;
        file?: string;
        config?: string;
      }) => {
        const { client, platform, type, file } = opts;
        if (file !== undefined) {
          if (client !== undefined || platform !== undefined || type !== undefined) {
            throw new CliExit(EXIT_USAGE, 'give either --file or --client, --platform and --type');
          }
        } else if (client === undefined || platform === undefined || type === undefined) {
          throw new CliExit(EXIT_USAGE, 'give --client, --platform and --type (or --file)');
        }
        const config = loadCliConfig(io, opts.config);
        setExitCode(
          await withServices(config, (rt) =>
            file !== undefined
              ? registerResourcesFromFile(rt, file, io)
              : registerResource(
                  rt,
                  { ...opts, client: client!, platform: platform!, type: type! },
                  io,
                ),
          ),
        );
      },
    );

  program
    .command('unregister')
    .description('stop polling a resource and forget its state')
    .addOption(clientOption())
    .option('--state <stateId>', 'the resource state id')
    .addOption(platformOption())
    .addOption(typeOption())
    .option('--id <resourceId>', 'resource id')
    .addOption(configOption())
    .action(
      async (opts: {
        client: string;
        state?: string;
        platform?: string;
        type?: string;
        id?: string;
        config?: string;
      }) => {
        const config = loadCliConfig(io, opts.config);
        setExitCode(await withServices(config, (rt) => unregisterResource(rt, opts, io)));
      },
    );

  program
    .command('status')
    .description("a client's resources: status, cursor, last and next poll, errors")
    .addOption(clientOption())
    .addOption(platformOption())
    .option('--json', 'print JSON instead of a table')
    .addOption(configOption())
    .action(
      async (opts: { client: string; platform?: string; json?: boolean; config?: string }) => {
        const config = loadCliConfig(io, opts.config);
        setExitCode(await withServices(config, (rt) => showStatus(rt, opts, io)));
      },
    );

  program
    .command('resume')
    .description('poll a needs_reauth, paused or backing-off resource again')
    .addOption(clientOption())
    .addOption(stateOption())
    .addOption(configOption())
    .action(async (opts: { client: string; state: string; config?: string }) => {
      const config = loadCliConfig(io, opts.config);
      setExitCode(await withServices(config, (rt) => resumeResource(rt, opts, io)));
    });

  program
    .command('poll-now')
    .description('make a resource due at once')
    .addOption(clientOption())
    .addOption(stateOption())
    .addOption(configOption())
    .action(async (opts: { client: string; state: string; config?: string }) => {
      const config = loadCliConfig(io, opts.config);
      setExitCode(await withServices(config, (rt) => pollResourceNow(rt, opts, io)));
    });

  program
    .command('dead-letters')
    .description(
      'list the events the webhook sink gave up on (newest first), or --replay them to the webhook (oldest first)',
    )
    .option('--limit <n>', 'at most this many entries', positiveInt, 100)
    .option('--json', 'as JSON')
    .option(
      '--replay',
      'post them to the configured webhook again; each leaves the list once accepted',
    )
    .addOption(configOption())
    .action(async (opts: { limit: number; json?: boolean; replay?: boolean; config?: string }) => {
      const config = loadCliConfig(io, opts.config);
      setExitCode(await withServices(config, (rt) => deadLetters(rt, opts, io)));
    });

  program
    .command('simulator')
    .description('run the X/LinkedIn/TikTok API simulator on a port')
    .option('--port <port>', 'port to listen on', port, 4010)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <seed>', 'seed of the simulated world', 'sim')
    .option('--clients <n>', 'number of clients', positiveInt, 3)
    .option(
      '--speed <factor>',
      'simulated ms per real ms; keep 1 when a separately started service polls it (it runs on the real clock, and would see item times and rate-limit resets in its future)',
      positiveNumber,
      1,
    )
    .option('--sim-config <file>', 'JSON file with more simulator settings')
    .option(
      '--credentials-file <file>',
      "write the clients' tokens here as a worker credentials file (give it to the service as " +
        'EP_CREDENTIALS_FILE; owner-only, mode 0600)',
    )
    .option('--resources-file <file>', "write the clients' resources here")
    .addHelpText(
      'after',
      '\nThe credentials file has the format EP_CREDENTIALS_FILE expects:\n' +
        '  { "<clientId>": { "x" | "linkedin" | "tiktok": { "accessToken": "…", "accountId": "…" } } }\n' +
        'App-level tokens (X app-only Bearer, TikTok Research) are not in it; GET /_sim/credentials has them.\n' +
        'Point the service at the simulator with EP_X_BASE_URL, EP_LINKEDIN_BASE_URL, EP_TIKTOK_BASE_URL\n' +
        'and EP_TIKTOK_RESEARCH_BASE_URL set to its URL.',
    )
    .action(async (opts: Parameters<typeof runSimulator>[0]) => {
      await runSimulator(opts, io);
    });

  program
    .command('demo')
    .description(
      'run the whole product against the simulator, show live progress, and check the result ' +
        'against the ground truth (exit 1 unless nothing is lost, duplicated or over a limit)',
    )
    .option(
      '--duration <seconds>',
      'wall-clock seconds of traffic (default 45; 10 with --short)',
      positiveInt,
    )
    .option(
      '--clients <n>',
      'clients in the simulated world (default 24; 6 with --short)',
      positiveInt,
    )
    .option('--short', 'small world, about 10 s (CI)')
    .option('--forever', 'run until Ctrl-C, then catch up and print the summary')
    .option('--events <file>', 'write the events as JSON lines to a file (- for standard output)')
    .option('--speed <factor>', 'simulated time per real time', positiveNumber, 60)
    .option('--seed <seed>', 'seed of the simulated world (default: random)')
    .addOption(
      new Option(
        '--log-level <level>',
        'log level on standard error (error: the injected faults, counted in the progress, are not logged one by one)',
      )
        .choices(LOG_LEVELS)
        .default('error'),
    )
    .action(
      async (opts: {
        logLevel: string;
        duration?: number;
        clients?: number;
        short?: boolean;
        forever?: boolean;
        events?: string;
        speed: number;
        seed?: string;
      }) => {
        const abort = new AbortController();
        let interrupts = 0;
        const onSigint = () => {
          interrupts++;
          if (interrupts > 1) process.exit(130);
          abort.abort();
        };
        process.on('SIGINT', onSigint);
        process.on('SIGTERM', onSigint);
        try {
          const summary = await runDemo({
            io,
            redisUrl: io.env.REDIS_URL ?? io.env.EP_REDIS_URL,
            durationS: opts.duration,
            clients: opts.clients,
            short: opts.short,
            forever: opts.forever,
            eventsPath: opts.events,
            speed: opts.speed,
            seed: opts.seed,
            signal: abort.signal,
            logLevel: opts.logLevel,
          });
          setExitCode(summary.isOk ? 0 : 1);
        } finally {
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigint);
        }
      },
    );

  return program;
}

/** Run the command line with `argv` (without node and script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; a usage error (already printed) exits 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliExit) {
      if (err.message !== '') io.err(`${err.message}\n`);
      return err.exitCode;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
