#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CalllogsApiError, CalllogsTransportError } from '../client/errors.js';
import { CliError } from './cli-error.js';
import { configureCommand } from './commands/configure.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { keysCommand } from './commands/keys.js';
import { queryCommand } from './commands/query.js';
import { serveCommand } from './commands/serve.js';
import { signCommand } from './commands/sign.js';
import { tailCommand } from './commands/tail.js';
import { logKeyCommand, verifyCommand } from './commands/verify.js';

// Whatever a command writes (databases, WAL, spill files, keys, exports) is its owner's only: a
// file created without an explicit mode is still never readable by other users.
process.umask(0o077);

const program = new Command('calllogs')
  .description('isales-calllogs: records CC-iSales OpenAPI invocations and answers the calllogs query interface')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(serveCommand())
  .addCommand(keysCommand())
  .addCommand(importCommand())
  .addCommand(exportCommand())
  .addCommand(queryCommand())
  .addCommand(tailCommand())
  .addCommand(signCommand())
  .addCommand(configureCommand())
  .addCommand(verifyCommand())
  .addCommand(logKeyCommand());

/** One line on stderr and a non-zero exit; stacks only for bugs, and only with CALLLOGS_DEBUG. */
function fail(error: unknown): never {
  // Commander has already printed the usage errors it raised while parsing.
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const known = error instanceof CliError || error instanceof CalllogsApiError || error instanceof CalllogsTransportError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`calllogs: error: ${message}\n`);
  if (!known && process.env.CALLLOGS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(error instanceof CliError ? error.exitCode : 1);
}

program.parseAsync(process.argv).catch(fail);
