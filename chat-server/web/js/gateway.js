// @ts-check
// The gateway, as bots use it: Hello, Identify or Resume, heartbeats, dispatches in
// sequence; on a dropped connection it reconnects with exponential backoff and jitter and
// resumes, and identifies anew when the server says the session is gone.

/**
 * @typedef {{ op: number, t?: string | null, d?: any, s?: number | null }} Frame
 * @typedef {'connecting' | 'ready' | 'reconnecting' | 'closed'} GatewayState
 * @typedef {{
 *   token: () => string | null,
 *   onDispatch: (type: string, data: any) => void,
 *   onState: (state: GatewayState) => void,
 *   onFatal: (code: number) => void,
 * }} Handlers
 */

/** Close codes after which reconnecting cannot help. */
const FATAL = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

export class Gateway {
  /** @param {Handlers} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {string | null} */
    this.sessionId = null;
    /** @type {number | null} */
    this.seq = null;
    this.attempt = 0;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.heartbeat = undefined;
    this.acked = true;
    this.stopped = false;
  }

  /** Opens the connection (and keeps it open until `stop`). */
  start() {
    this.stopped = false;
    this.connect();
  }

  /** Closes the connection for good, ending the session. */
  stop() {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.socket?.close(1000);
    this.socket = null;
    this.sessionId = null;
    this.handlers.onState('closed');
  }

  /**
   * Sends a frame if connected.
   * @param {number} op
   * @param {unknown} d
   */
  send(op, d) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ op, d }));
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.socket = socket;
    this.handlers.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    socket.onmessage = (message) => this.receive(JSON.parse(String(message.data)));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      clearInterval(this.heartbeat);
      this.socket = null;
      if (this.stopped) return;
      if (FATAL.has(event.code)) {
        this.handlers.onFatal(event.code);
        return;
      }
      this.reconnect();
    };
  }

  reconnect() {
    this.handlers.onState('reconnecting');
    const base = Math.min(30_000, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    setTimeout(() => {
      if (!this.stopped) this.connect();
    }, base / 2 + Math.random() * (base / 2));
  }

  /** @param {Frame} frame */
  receive(frame) {
    if (typeof frame.s === 'number') this.seq = frame.s;
    switch (frame.op) {
      case 10:
        this.beat(frame.d.heartbeat_interval);
        this.hello();
        break;
      case 11:
        this.acked = true;
        break;
      case 1:
        this.send(1, this.seq);
        break;
      case 7: // the server asks us to reconnect (it is shutting down)
        this.socket?.close(4000);
        break;
      case 9: // the session cannot be resumed: identify anew
        this.sessionId = null;
        this.seq = null;
        setTimeout(() => this.identify(), 500 + Math.random() * 1000);
        break;
      case 0:
        this.dispatch(String(frame.t), frame.d);
        break;
      default:
        break;
    }
  }

  hello() {
    const token = this.handlers.token();
    if (this.sessionId && this.seq !== null && token) {
      this.send(6, { token, session_id: this.sessionId, seq: this.seq });
    } else {
      this.identify();
    }
  }

  identify() {
    const token = this.handlers.token();
    if (token) this.send(2, { token, client: 'web' });
  }

  /** @param {number} interval */
  beat(interval) {
    clearInterval(this.heartbeat);
    this.acked = true;
    this.heartbeat = setInterval(() => {
      if (!this.acked) {
        this.socket?.close(4009); // a zombie connection: start over
        return;
      }
      this.acked = false;
      this.send(1, this.seq);
    }, interval);
  }

  /**
   * @param {string} type
   * @param {any} data
   */
  dispatch(type, data) {
    if (type === 'READY') {
      this.sessionId = data.session_id;
      this.attempt = 0;
      this.handlers.onState('ready');
    } else if (type === 'RESUMED') {
      this.attempt = 0;
      this.handlers.onState('ready');
    }
    this.handlers.onDispatch(type, data);
  }
}
