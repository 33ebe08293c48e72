import { describe, expect, it, vi } from 'vitest';
import { ConnectError, type ConnectErrorCode, type Connection } from 'webrtc-connect';
import type { Acceptance, Invitation } from 'webrtc-connect/link';
import {
  type ListenHandlers,
  listenForAnswer,
  type Microphone,
  playAnswer,
  type Speaker,
} from 'webrtc-connect/sound';
import { codeOf } from '../../../../test/support/error-code.ts';

/** A microphone the test speaks through: payloads and levels as the decoder would report them. */
function scriptedMicrophone() {
  let handlers: ListenHandlers | null = null;
  const stopped = vi.fn();
  let started: () => void = () => {};
  const listening = new Promise<void>((resolve) => {
    started = resolve;
  });
  const microphone: Microphone = {
    listen: async (given) => {
      handlers = given;
      started();
      return { stop: stopped };
    },
  };
  return {
    microphone,
    stopped,
    listening,
    hear: (payload: number[]) => handlers?.onPayload(Uint8Array.from(payload), 'fast'),
    profiles: () => handlers?.profiles,
    level: (level: number) => handlers?.onLevel(level),
  };
}

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** An invitation that takes only the answer [7, 7, 7], as one sealed under its secret. */
function fakeInvitation() {
  const connected = deferred<Connection>();
  const acceptReply = vi.fn(async (reply: string | Uint8Array) => {
    if (!(reply instanceof Uint8Array) || reply.join() !== '7,7,7')
      throw new ConnectError('ERR_FORGED', 'not under this secret');
  });
  const invitation: Invitation = {
    link: 'https://example.invalid/#x',
    kind: 'self-contained',
    expiresAt: undefined,
    connected: connected.promise,
    acceptReply,
    close: () => {},
  };
  return { invitation, acceptReply, connected };
}

describe('listenForAnswer', () => {
  it('ignores payloads that do not open, tries each once, and stops at the first that does', async () => {
    const mic = scriptedMicrophone();
    const { invitation, acceptReply } = fakeInvitation();
    const listener = listenForAnswer(invitation, { microphone: mic.microphone });
    await mic.listening;
    mic.hear([1, 2, 3]); // another pair's answer
    mic.hear([1, 2, 3]); // the next copy of its loop
    mic.hear([7, 7, 7]);
    mic.hear([7, 7, 7]);
    await listener.heard;
    expect(acceptReply.mock.calls.map(([reply]) => Array.from(reply as Uint8Array))).toEqual([
      [1, 2, 3],
      [7, 7, 7],
    ]);
    expect(mic.stopped).toHaveBeenCalledOnce();
  });

  it('listens for every profile unless told which: the player chooses', async () => {
    const every = scriptedMicrophone();
    const everyListener = listenForAnswer(fakeInvitation().invitation, {
      microphone: every.microphone,
    });
    await every.listening;
    expect(every.profiles()).toEqual(['fast', 'robust', 'narrowband']);
    everyListener.stop();
    const one = scriptedMicrophone();
    const oneListener = listenForAnswer(fakeInvitation().invitation, {
      microphone: one.microphone,
      profiles: ['robust'],
    });
    await one.listening;
    expect(one.profiles()).toEqual(['robust']);
    oneListener.stop();
  });

  it('stops listening when the answer came another way first (the mailbox)', async () => {
    const mic = scriptedMicrophone();
    const { invitation, connected } = fakeInvitation();
    const listener = listenForAnswer(invitation, { microphone: mic.microphone });
    await mic.listening;
    connected.resolve({} as Connection);
    expect(await codeOf(listener.heard)).toBe('ERR_CLOSED');
    expect(mic.stopped).toHaveBeenCalledOnce();
  });

  it('says the input is silent after silenceTimeout, and that sound is back once it is', async () => {
    const mic = scriptedMicrophone();
    const { invitation } = fakeInvitation();
    const warnings: (ConnectErrorCode | null)[] = [];
    const warned = deferred<void>();
    const listener = listenForAnswer(invitation, {
      microphone: mic.microphone,
      silenceTimeout: 50,
      onSilence: (warning) => {
        warnings.push(warning?.code ?? null);
        warned.resolve();
      },
    });
    await mic.listening;
    mic.level(Number.NEGATIVE_INFINITY);
    mic.level(-90);
    await warned.promise;
    mic.level(-30);
    expect(warnings).toEqual(['ERR_SILENT_INPUT', null]);
    listener.stop();
  });

  it('gives up with ERR_SOUND_TIMEOUT when nothing valid is heard in time', async () => {
    const mic = scriptedMicrophone();
    const { invitation } = fakeInvitation();
    const listener = listenForAnswer(invitation, { microphone: mic.microphone, listenTimeout: 80 });
    await mic.listening;
    mic.hear([9]);
    expect(await codeOf(listener.heard)).toBe('ERR_SOUND_TIMEOUT');
    expect(mic.stopped).toHaveBeenCalledOnce();
  });

  it("passes on the microphone's own failure (refused, none)", async () => {
    const { invitation } = fakeInvitation();
    for (const code of ['ERR_MICROPHONE_REFUSED', 'ERR_NO_MICROPHONE'] as const) {
      const microphone: Microphone = {
        listen: () => Promise.reject(new ConnectError(code, 'as the browser said')),
      };
      expect(await codeOf(listenForAnswer(invitation, { microphone }).heard)).toBe(code);
    }
  });
});

describe('playAnswer', () => {
  function fakeAcceptance(sealedLength: number) {
    const connected = deferred<Connection>();
    const acceptance: Acceptance = {
      kind: 'self-contained',
      replyCode: null,
      answerText: '',
      connected: connected.promise,
      sealAnswer: async (form) => {
        expect(form).toBe('compact');
        return new Uint8Array(sealedLength);
      },
      close: () => {},
    };
    return { acceptance, connected };
  }

  function recordingSpeaker() {
    const loops: { samples: Float32Array; stopped: boolean }[] = [];
    const speaker: Speaker = {
      sampleRate: 48000,
      loop: async (samples) => {
        const loop = { samples, stopped: false };
        loops.push(loop);
        return {
          startedAt: 0,
          stop: () => {
            loop.stopped = true;
          },
        };
      },
    };
    return { speaker, loops };
  }

  it('loops one frame of the sealed compact answer and stops the moment the peers connect', async () => {
    const { acceptance, connected } = fakeAcceptance(100);
    const { speaker, loops } = recordingSpeaker();
    const playback = await playAnswer(acceptance, { speaker });
    expect(playback.payloadBytes).toBe(100);
    expect(loops).toHaveLength(1);
    expect(loops[0]?.samples.length).toBeGreaterThan(playback.airtime * 48000 * 0.9);
    expect(loops[0]?.stopped).toBe(false);
    connected.resolve({} as Connection);
    await connected.promise;
    await Promise.resolve();
    expect(loops[0]?.stopped).toBe(true);
  });

  it('refuses an answer longer than a frame carries with ERR_PAYLOAD_TOO_LARGE', async () => {
    const { acceptance } = fakeAcceptance(256);
    const { speaker, loops } = recordingSpeaker();
    expect(await codeOf(playAnswer(acceptance, { speaker }))).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(loops).toHaveLength(0);
  });
});
