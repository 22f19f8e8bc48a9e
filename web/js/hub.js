// The chat hub connection (/hubs/chat, SignalR JSON over WebSockets) with automatic reconnection. The SignalR
// client is the npm package's browser bundle, loaded by index.html as the global `signalR`.

export class ChatHub {
  /** @param {{onConnectionChange: (connected: boolean) => void, apiKey: string}} options */
  constructor({ onConnectionChange, apiKey }) {
    // With an API key: long polling, whose requests carry the Authorization header. Browsers cannot put headers on
    // a WebSocket, and SignalR would move the key into the URL (?access_token=), which the server does not read.
    const options = apiKey ? { accessTokenFactory: () => apiKey, transport: signalR.HttpTransportType.LongPolling } : {};
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl("/hubs/chat", options)
      .withAutomaticReconnect()
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    this.connection.onreconnecting(() => onConnectionChange(false));
    this.connection.onreconnected(() => onConnectionChange(true));
    this.connection.onclose(() => onConnectionChange(false));
    this.starting = null;
  }

  /** Connects if not connected (first use, or after reconnection gave up); waits out a reconnection in progress. */
  async ready() {
    const { Connected, Disconnected } = signalR.HubConnectionState;
    if (this.connection.state === Disconnected) this.starting = this.connection.start();
    await this.starting;
    // Automatic reconnection retries after 0, 2, 10 and 30 s; wait up to 15 s for it before asking anyway.
    for (let waited = 0; this.connection.state !== Connected && this.connection.state !== Disconnected && waited < 15_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Asks a question; handlers get each text delta, then the stored turn, or an error. Returns the subscription:
   * its dispose() sends CancelInvocation, which stops the generation on the server and frees its slot.
   */
  ask(sessionId, request, { onDelta, onDone, onError }) {
    return this.connection.stream("Ask", sessionId, request).subscribe({
      next: (item) => (item.type === "delta" ? onDelta(item.text ?? "") : onDone(item.turn)),
      complete: () => {},
      error: onError,
    });
  }
}
