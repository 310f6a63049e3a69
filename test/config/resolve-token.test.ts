import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultTokenVariable, fediBlockHoleTokenVariable, resolveToken } from '../../src/config/index.js';
import { scrub } from '../../src/log.js';
import { errorOf, tempDir, writeConfig } from './helpers.js';

const SECRET = 'tok-file-1234567890';

describe('default token variables', () => {
  it('upper-cases and turns dots and dashes into underscores', () => {
    expect(defaultTokenVariable('example.social')).toBe('EXAMPLE_SOCIAL_TOKEN');
    expect(defaultTokenVariable('my-instance.example')).toBe('MY_INSTANCE_EXAMPLE_TOKEN');
  });
  it("FediBlockHole's form replaces dots only", () => {
    expect(fediBlockHoleTokenVariable('my-instance.example')).toBe('MY-INSTANCE_EXAMPLE_TOKEN');
  });
});

describe('resolveToken', () => {
  it('prefers token_file, then token_env, then inline, then default variables', async () => {
    const config = await writeConfig('');
    const file = join(await tempDir(), 'tok');
    await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
    const env = { ENV_TOK: 'tok-env-abcdef', EXAMPLE_SOCIAL_TOKEN: 'tok-default-xyz' };
    const spec = { domain: 'example.social', token_file: file, token_env: 'ENV_TOK', token: 'tok-inline-qqq' };

    const a = await resolveToken(spec, config, env);
    expect(a).toEqual({ token: SECRET, from: `token_file ${file}`, warnings: [] });

    const { token_file: _f, ...noFile } = spec;
    expect(await resolveToken(noFile, config, env)).toMatchObject({ token: 'tok-env-abcdef', from: '$ENV_TOK' });

    const { token_env: _e, ...inline } = noFile;
    expect(await resolveToken(inline, config, env)).toMatchObject({ token: 'tok-inline-qqq', from: `inline token in ${config}`, warnings: [] });

    expect(await resolveToken({ domain: 'example.social' }, config, env)).toMatchObject({ token: 'tok-default-xyz', from: '$EXAMPLE_SOCIAL_TOKEN' });
  });

  it('falls back to the dashed default, then to FediBlockHole\'s form', async () => {
    const config = await writeConfig('');
    const both = { MY_INSTANCE_EXAMPLE_TOKEN: 'tok-ours-1111', 'MY-INSTANCE_EXAMPLE_TOKEN': 'tok-fbh-2222' };
    expect(await resolveToken({ domain: 'my-instance.example' }, config, both)).toMatchObject({ token: 'tok-ours-1111', from: '$MY_INSTANCE_EXAMPLE_TOKEN' });
    expect(await resolveToken({ domain: 'my-instance.example' }, config, { 'MY-INSTANCE_EXAMPLE_TOKEN': 'tok-fbh-2222' })).toMatchObject({
      token: 'tok-fbh-2222',
      from: '$MY-INSTANCE_EXAMPLE_TOKEN',
    });
  });

  it('returns no token, saying what to set, when none is found', async () => {
    const config = await writeConfig('');
    const r = await resolveToken({ domain: 'example.social' }, config, {});
    expect(r.token).toBeUndefined();
    expect(r.from).toBe('none');
    expect(r.missing).toBe('the environment variable EXAMPLE_SOCIAL_TOKEN');
  });

  it('suggests a variable a shell can export for a destination with a port', () => {
    expect(defaultTokenVariable('127.0.0.1:35415')).toBe('HOST_127_0_0_1_35415_TOKEN');
    expect(defaultTokenVariable('social.example:8443')).toBe('SOCIAL_EXAMPLE_8443_TOKEN');
    for (const d of ['127.0.0.1:35415', 'my-instance.example', 'xn--bcher-kva.example']) expect(defaultTokenVariable(d)).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
  });

  it('resolves a relative token_file against the config folder and trims the newline', async () => {
    const config = await writeConfig('');
    await writeFile(join(config, '..', 'token.txt'), `${SECRET}\r\n`, { mode: 0o600 });
    expect((await resolveToken({ domain: 'a.example', token_file: 'token.txt' }, config, {})).token).toBe(SECRET);
  });

  it('a missing token file is a ConfigError naming the file', async () => {
    const config = await writeConfig('');
    const msg = await errorOf(resolveToken({ domain: 'a.example', token_file: '/nonexistent/tok' }, config, {}));
    expect(msg).toBe('a.example: token_file /nonexistent/tok does not exist');
  });

  it('a token_env that is not set is a ConfigError', async () => {
    const config = await writeConfig('');
    const msg = await errorOf(resolveToken({ domain: 'a.example', token_env: 'NOPE' }, config, {}));
    expect(msg).toContain('$NOPE, which is not set');
  });

  it('warns about an inline token in a 0644 config, not in a 0600 one', async () => {
    const open = await writeConfig('', 'blocklist.toml', 0o644);
    const r = await resolveToken({ domain: 'a.example', token: 'tok-inline-open-1' }, open, {});
    expect(r.warnings).toEqual([`token written inline in ${open}, which is readable by group/others; run chmod 600 ${open}`]);
    const closed = await writeConfig('', 'blocklist.toml', 0o600);
    expect((await resolveToken({ domain: 'a.example', token: 'tok-inline-closed-1' }, closed, {})).warnings).toEqual([]);
  });

  it('warns about a token file readable by others', async () => {
    const config = await writeConfig('');
    const file = join(await tempDir(), 'tok');
    await writeFile(file, SECRET);
    await chmod(file, 0o644);
    expect((await resolveToken({ domain: 'a.example', token_file: file }, config, {})).warnings).toEqual([`token file ${file} is readable by group/others; run chmod 600 ${file}`]);
  });

  it('never puts the token in from or warnings, and registers it for scrubbing', async () => {
    const open = await writeConfig('', 'blocklist.toml', 0o644);
    const secrets = ['tok-never-shown-1', 'tok-never-shown-2', 'tok-never-shown-3'];
    const results = [
      await resolveToken({ domain: 'a.example', token: secrets[0]! }, open, {}),
      await resolveToken({ domain: 'a.example', token_env: 'T' }, open, { T: secrets[1]! }),
      await resolveToken({ domain: 'a.example' }, open, { A_EXAMPLE_TOKEN: secrets[2]! }),
    ];
    for (const [i, r] of results.entries()) {
      expect(r.token).toBe(secrets[i]);
      expect(`${r.from} ${r.warnings.join(' ')}`).not.toContain(secrets[i]);
      expect(scrub(`Bearer ${secrets[i]}`)).toBe('Bearer [REDACTED]');
    }
  });
});
