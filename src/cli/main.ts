#!/usr/bin/env node
/** The `mediaweave` command (see run.ts). */
import { main } from './run.js';

process.exitCode = await main(process.argv);
