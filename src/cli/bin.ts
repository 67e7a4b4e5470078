/**
 * The process around main(): its exit code, and output to a pipe that closes early (`| head`) ends
 * quietly instead of with an EPIPE stack trace.
 */
import { main } from "./main.ts";

for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
process.exitCode = await main(process.argv);
