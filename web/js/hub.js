// The chat hub connection (/hubs/chat, SignalR JSON over WebSockets) with automatic reconnection. The SignalR
// client is the npm package's browser bundle, loaded by index.html as the global `signalR`.

export class ChatHub {
  constructor({ onConnectionChange }) {
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl("/hubs/chat")
      .withAutomaticReconnect()
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    this.connection.onreconnecting(() => onConnectionChange(false));
    this.connection.onreconnected(() => onConnectionChange(true));
    this.connection.onclose(() => onConnectionChange(false));
    this.starting = null;
  }

  /** Connects if not connected (first use, or after reconnection gave up). */
  async ready() {
    if (this.connection.state === signalR.HubConnectionState.Connected) return;
    if (this.connection.state === signalR.HubConnectionState.Disconnected) this.starting = this.connection.start();
    await this.starting;
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
