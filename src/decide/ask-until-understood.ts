/**
 * Asks until the answer is one the question offers. A stray key on the worst day must
 * not count as a decision (or as "skip"): anything else is named and asked again.
 */
export async function askUntilUnderstood(
  ask: (question: string) => Promise<string>,
  print: (line: string) => void,
  question: string,
  understood: (answer: string) => boolean,
): Promise<string> {
  for (;;) {
    const answer = (await ask(question)).trim().toLowerCase();
    if (understood(answer)) return answer;
    print(`  ${answer === '' ? 'no answer' : `"${answer}" is not one of the answers`}; ${question.trim().replace(/:$/, '')}`);
  }
}
