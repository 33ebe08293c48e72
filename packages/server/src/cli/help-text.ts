import { FLAG_GROUPS, type FlagGroup, type FlagSpec } from './flag-table.ts';

const WIDTH = 80;
const COLUMN = 26;

/** `--help`: the flags by group, each line at most 80 columns. */
export function helpText(flags: readonly FlagSpec[]): string {
  const lines = [
    'Usage: webrtc-connect serve [options]',
    '       webrtc-connect --version',
    '',
    ...wrap(
      'Serves the web app, the mailbox API and account rooms until SIGINT or SIGTERM. ' +
        'Each option falls back to the environment variable in brackets, then to its default.',
      0,
    ),
  ];
  for (const [group, title] of Object.entries(FLAG_GROUPS) as Array<[FlagGroup, string]>) {
    const members = flags.filter((flag) => flag.group === group);
    if (members.length === 0) continue;
    lines.push('', `${title}:`);
    for (const flag of members) lines.push(...flagLines(flag));
  }
  return `${lines.join('\n')}\n`;
}

function flagLines(flag: FlagSpec): string[] {
  const names = `${flag.short ? `-${flag.short}, ` : ''}--${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
  const head = `  ${names}`;
  const text = [flag.help, note(flag)].filter(Boolean).join(' ');
  const body = wrap(text, COLUMN);
  const first = body[0]?.slice(COLUMN) ?? '';
  if (head.length < COLUMN - 1) return [head.padEnd(COLUMN) + first, ...body.slice(1)];
  return [head, ...body];
}

/** `[PORT; 8080]`: the variable and the default, when there are any. */
function note(flag: FlagSpec): string {
  const env = flag.env ? (flag.value ? flag.env : `${flag.env}=1`) : undefined;
  const fallback = flag.default ?? flag.defaultText;
  const parts = [env, fallback === undefined ? undefined : `default ${fallback}`].filter(Boolean);
  return parts.length > 0 ? `[${parts.join('; ')}]` : '';
}

/** Words into lines of at most WIDTH columns, each indented by `indent`. */
function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(' '.repeat(indent) + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(' '.repeat(indent) + line);
  return lines;
}

/** The README's flag table (one row a flag, by group). */
export function flagTable(flags: readonly FlagSpec[]): string {
  const rows = ['| flag | variable | default | what it does |', '| --- | --- | --- | --- |'];
  for (const [group, title] of Object.entries(FLAG_GROUPS) as Array<[FlagGroup, string]>) {
    const members = flags.filter((flag) => flag.group === group);
    if (members.length === 0) continue;
    rows.push(`| **${title}** | | | |`);
    for (const flag of members) {
      const names = `\`--${flag.name}${flag.value ? ` ${flag.value}` : ''}\``;
      const variable = flag.env ? `\`${flag.env}${flag.value ? '' : '=1'}\`` : '';
      const fallback =
        flag.default === undefined ? (flag.defaultText ?? '') : `\`${flag.default}\``;
      rows.push(`| ${names} | ${variable} | ${fallback} | ${flag.help.replaceAll('|', '\\|')} |`);
    }
  }
  return rows.join('\n');
}
