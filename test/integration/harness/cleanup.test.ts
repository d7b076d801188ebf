// cleanUpAll runs every step even after one failed, then reports the failure.

import { cleanUpAll } from '../helpers/cleanup';

it('runs every step in order whatever the ones before did, then throws the first error naming the others', async () => {
  const ran: string[] = [];
  const failing = cleanUpAll(
    () => { ran.push('sampler'); throw new Error('sampler would not stop'); },
    async () => { ran.push('lab down'); },
    () => { ran.push('files'); throw new Error('files busy'); },
  );
  await expect(failing).rejects.toThrow('sampler would not stop (and 1 more cleanup step(s) failed: files busy)');
  expect(ran).toEqual(['sampler', 'lab down', 'files']);
});

it('resolves when every step did', async () => {
  const ran: number[] = [];
  await cleanUpAll(() => ran.push(1), async () => { ran.push(2); }, () => undefined);
  expect(ran).toEqual([1, 2]);
});
