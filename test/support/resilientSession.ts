import { sleep } from '../../loadtest/harness/timetable';
import { connectDevice, disconnect, type Device } from './accounts';

/**
 * A device that stays connected to its user's session as an app would: when the
 * connection drops (a node stops or dies) it joins again through the first node
 * of `nodeUrls()` that answers.
 */
export class ResilientDevice {
  private device: Device | undefined;
  private stopped = false;
  reconnects = 0;

  private constructor(
    private readonly user: { readonly userId: string; readonly accessToken: string },
    private readonly deviceId: string,
    private readonly nodeUrls: () => readonly string[],
  ) {}

  static async connect(user: { readonly userId: string; readonly accessToken: string }, deviceId: string, nodeUrls: () => readonly string[]): Promise<ResilientDevice> {
    const resilient = new ResilientDevice(user, deviceId, nodeUrls);
    await resilient.join();
    return resilient;
  }

  /** The node holding the session the last time this device joined. */
  get node(): string {
    return this.device!.ready.node;
  }

  /** The current connection's room (it changes after a reconnect). */
  get room(): Device['room'] | undefined {
    return this.device?.room;
  }

  get connected(): boolean {
    return this.device?.room.connection?.isOpen === true;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.device) await disconnect(this.device);
  }

  private async join(): Promise<void> {
    while (!this.stopped) {
      for (const url of this.nodeUrls()) {
        const device = await connectDevice(url, this.user, this.deviceId).catch(() => undefined);
        if (!device) continue;
        this.device = device;
        // Kismet actors keep no seat for a dropped connection: join afresh at once instead of the SDK's retries.
        device.room.reconnection.enabled = false;
        device.room.onLeave(() => {
          if (this.stopped) return;
          this.reconnects++;
          void this.join();
        });
        return;
      }
      await sleep(200);
    }
  }
}
