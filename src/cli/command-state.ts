/** What a command leaves behind for the process: its exit code (0 ok, 1 failed, 2 usage). */
export interface CommandState {
  exitCode: number;
}
