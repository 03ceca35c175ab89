/** Where command results go: human lines by default, one JSON document with --json (for CI). */
export interface Output {
  json: boolean;
  result(data: Record<string, unknown>, human: string): void;
  error(code: string, message: string): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Output {
  return {
    json,
    result: (data, human) => {
      stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
    },
    error: (code, message) => {
      if (json) stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
      else stderr.write(`extctl: ${message}\n`);
    },
  };
}
