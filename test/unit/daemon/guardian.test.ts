// The daemon's record of its guardian's answers: one ack per tick, in order; the oldest unanswered tick says how long the guardian has not run.
//
// The guardian's own decisions (ticks, silence, a closed pipe, a goodbye) are the program's
// (native/guardian/): test/integration/guardian/program.test.ts.

import { TickAnswers } from '../../../src/daemon/guardian';

describe('TickAnswers', () => {
  it('measures the oldest unanswered tick, in order, one ack per tick', () => {
    const answers = new TickAnswers();
    expect(answers.oldestUnansweredMs(100)).toBe(0);
    answers.sent(100);
    answers.sent(275);
    answers.sent(450);
    expect(answers.oldestUnansweredMs(500)).toBe(400);
    answers.answered(1);
    expect(answers.oldestUnansweredMs(500)).toBe(225);
    answers.answered(2);
    expect(answers.oldestUnansweredMs(500)).toBe(0);
    expect(answers.unanswered).toBe(0);
  });

  it('a stalled daemon sends no ticks, so its own stall does not age the guardian\'s answers', () => {
    const answers = new TickAnswers();
    answers.sent(0);
    answers.answered(1);
    // 2 s without a tick (the daemon was stopped), then one tick, answered 5 ms later.
    answers.sent(2000);
    expect(answers.oldestUnansweredMs(2005)).toBe(5);
  });

  it('ignores acks beyond the ticks sent, and stays small over a long run', () => {
    const answers = new TickAnswers();
    answers.answered(5);
    answers.sent(10);
    expect(answers.oldestUnansweredMs(20)).toBe(10);
    for (let k = 0; k < 100_000; k++) {
      answers.sent(k);
      answers.answered(1);
    }
    expect(answers.unanswered).toBe(1);
    expect((answers as unknown as { sentAt: number[] }).sentAt.length).toBeLessThan(200);
  });

  it('counts ticks over the whole run, so a confirmation knows when the tick it wrote is answered (GuardianLink.confirm)', () => {
    const answers = new TickAnswers();
    for (let k = 0; k < 300; k++) {
      answers.sent(k);
      answers.answered(1);
    }
    answers.sent(300);
    answers.sent(301);
    const upTo = answers.sentCount;
    expect(upTo).toBe(302);
    answers.answered(1);
    expect(answers.answeredUpTo(upTo)).toBe(false);
    answers.answered(5); // more acks than ticks count once
    expect(answers.answeredUpTo(upTo)).toBe(true);
    answers.sent(302);
    expect(answers.answeredUpTo(answers.sentCount)).toBe(false);
  });
});
