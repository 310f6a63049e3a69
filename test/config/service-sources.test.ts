// Config keys for the service sources (issue 11): format fediseer (and its API key), `severity`.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { errorOf, writeConfig } from './helpers.js';

const env = { HOME: '/home/admin' };

describe('config: Fediseer sources and the severity key', () => {
  it('loads a censures source with its severity and API key settings', async () => {
    const toml = [
      '[[source]]',
      'url = "https://fediseer.com/api/v1/censures_given/a.example,b.example?min_censures=2"',
      'format = "fediseer"',
      'name = "seer"',
      'severity = "silence"',
      'token_env = "FEDISEER_KEY"',
    ].join('\n');
    const c = await loadConfig(await writeConfig(toml), { env });
    expect(c.sources[0]).toMatchObject({
      name: 'seer',
      format: 'fediseer',
      severity: 'silence',
      location: { kind: 'url', url: 'https://fediseer.com/api/v1/censures_given/a.example,b.example?min_censures=2' },
      auth: { domain: 'fediseer.com', token_env: 'FEDISEER_KEY' },
    });
  });

  it('reads hesitations as silence, and refuses a harsher severity for them', async () => {
    const ok = await loadConfig(await writeConfig('[[source]]\nurl = "https://fediseer.com/api/v1/hesitations_given/a.example"\nformat = "fediseer"\n'), { env });
    expect(ok.sources[0]!.severity).toBe('silence');
    const msg = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "https://fediseer.com/api/v1/hesitations_given/a.example"\nformat = "fediseer"\nseverity = "suspend"\n'), { env }));
    expect(msg).toContain('source[1].severity: Fediseer hesitations are always read as silence');
  });

  it('leaves a censures source without severity at the default (suspend)', async () => {
    const c = await loadConfig(await writeConfig('[[source]]\nurl = "https://fediseer.com/api/v1/censures_given/a.example"\nformat = "fediseer"\n'), { env });
    expect(c.sources[0]!.severity).toBeUndefined();
  });

  it('refuses a Fediseer URL that is neither censures_given nor hesitations_given', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "https://fediseer.com/api/v1/endorsements/a.example"\nformat = "fediseer"\n'), { env }));
    expect(msg).toContain('source[1].url: a Fediseer source reads …/api/v1/censures_given/<domains> or …/api/v1/hesitations_given/<domains>');
  });

  it('takes severity for plain lists, and refuses it where the list carries its own', async () => {
    const c = await loadConfig(await writeConfig('[[source]]\nurl = "list.txt"\nformat = "text"\nseverity = "silence"\n'), { env });
    expect(c.sources[0]!.severity).toBe('silence');
    const csv = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "list.csv"\nformat = "csv"\nseverity = "silence"\n'), { env }));
    expect(csv).toContain('source[1].severity: only applies to entries without a severity');
    const inst = await errorOf(loadConfig(await writeConfig('[[source]]\ninstance = "x.example"\nseverity = "silence"\n'), { env }));
    expect(inst).toContain('source[1].severity: an instance source carries its own severities');
  });

  it('still refuses token keys on other url sources, and unknown keys anywhere', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "a.csv"\ntoken_file = "key"\n'), { env }));
    expect(msg).toContain('source[1].token_file: only applies to an instance source (instance = "…") or a Fediseer source');
    const unknown = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "https://fediseer.com/api/v1/censures_given/a.example"\nformat = "fediseer"\napikey = "x"\n'), { env }));
    expect(unknown).toContain('source[1].apikey: unknown key');
  });

  it('does not take a service format for an allowlist', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[allowlist]]\nurl = "https://fediseer.com/api/v1/censures_given/a.example"\nformat = "fediseer"\n'), { env }));
    expect(msg).toContain('allowlist[1].format: expected one of auto, csv');
  });

  it('loads a FIRES source from its dataset URL, and refuses a local file, severity and verify_key for it', async () => {
    const c = await loadConfig(await writeConfig('[[source]]\nurl = "https://fires.example/datasets/0197a000-0000-7000-8000-00000000d5e7"\nformat = "fires"\n'), { env });
    expect(c.sources[0]).toMatchObject({ format: 'fires', name: 'fires.example', location: { kind: 'url' } });
    const file = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "dataset.json"\nformat = "fires"\n'), { env }));
    expect(file).toContain("source[1].url: a FIRES source is read from its server: give the dataset's https URL");
    const sev = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "https://fires.example/datasets/x"\nformat = "fires"\nseverity = "silence"\nverify_key = "k"\n'), { env }));
    expect(sev).toContain('source[1].severity: only applies to entries without a severity (text, rapidblock_csv, Fediseer censures); a FIRES recommendation carries its own policy');
    expect(sev).toContain('source[1].verify_key: only applies to a list published with a RapidBlock signature, not to format "fires"');
  });
});
