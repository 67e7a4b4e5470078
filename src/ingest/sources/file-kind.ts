/**
 * Only regular files are read: opening a FIFO blocks until a writer comes (a replay that hangs
 * forever), and a socket, device or directory is no trace export. The check is a stat, before open.
 */
import { stat } from "node:fs/promises";

/** Why the path is not a regular file, or undefined when it is one (or cannot be stat'ed: open says why). */
export async function notRegularFile(file: string): Promise<string | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info || info.isFile()) return undefined;
  if (info.isFIFO()) return "a FIFO (named pipe): reading it would wait for a writer";
  if (info.isSocket()) return "a socket";
  if (info.isDirectory()) return "a directory";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  return "not a regular file";
}
