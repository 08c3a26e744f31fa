#!/usr/bin/env node
/** The `mediaweave` command (see run.ts). */
import { main } from './run.js';

// `mediaweave codecs | head`: a closed pipe ends the output quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

process.exitCode = await main(process.argv);
