using System.Text.Json.Nodes;
using static VLOrleans.Silo.Tests.Sessions.SessionHttp;

namespace VLOrleans.Silo.Tests.Sessions;

/// <summary>The chat hub through SignalR's JSON protocol on a raw WebSocket, against the real server.</summary>
public sealed class SessionHubTests
{
    private static JsonObject Question(string text, int maxTokens) => new() { ["text"] = text, ["max_tokens"] = maxTokens, ["temperature"] = 0 };

    [Fact]
    public async Task The_hub_streams_an_answer_in_pieces_and_a_cancelled_stream_frees_its_slot()
    {
        var data = TinyModelServer.NewDataFolder();
        try
        {
            // One KV slot: if the cancelled answer kept its slot, the later question could not run.
            await using var server = await TinyModelServer.StartAsync(data, new Dictionary<string, string> { ["VLO__Engine__SlotCount"] = "1" });
            using var http = HttpFor(server);
            await WaitUntilModelReadyAsync(http);
            await using var hub = await HubSocket.ConnectAsync(server.BaseAddress);

            var id = (await hub.InvokeAsync("CreateSession"))!.GetValue<string>();
            Assert.Matches("^[0-9a-f]{32}$", id);
            await UploadAsync(http, id, TinyModelServer.Photo("libpng__toucan.png"), "toucan.png");

            var stream = await hub.StartStreamAsync("Ask", id, Question("What bird is this?", 8));
            var pieces = new List<string>();
            JsonObject message;
            while ((message = await hub.NextOfAsync(stream))["type"]!.GetValue<int>() == 2)
            {
                var item = message["item"]!;
                if (item["type"]!.GetValue<string>() == "delta") pieces.Add(item["text"]!.GetValue<string>());
                else
                {
                    Assert.Equal("done", item["type"]!.GetValue<string>());
                    var turn = item["turn"]!;
                    Assert.Equal(string.Concat(pieces), turn["text"]!.GetValue<string>());
                    Assert.Equal(1, turn["index"]!.GetValue<int>());
                    Assert.Equal(8, turn["usage"]!["completion_tokens"]!.GetValue<int>());
                    Assert.True(turn["timings"]!["ttft_ms"]!.GetValue<double>() > 0);
                }
            }
            Assert.Null(message["error"]); // the completion ends the stream cleanly
            Assert.True(pieces.Count > 1, $"the answer came in {pieces.Count} piece(s)");

            var resumed = (await hub.InvokeAsync("ResumeSession", id))!;
            Assert.Equal(2, resumed["turns"]!.AsArray().Count);
            Assert.Equal("toucan.png", resumed["images"]![0]!["file_name"]!.GetValue<string>());

            // Cancel a long answer after its first piece: nothing is stored, and the one slot serves the next question.
            var other = (await hub.InvokeAsync("CreateSession"))!.GetValue<string>();
            var longStream = await hub.StartStreamAsync("Ask", other, Question("Tell me everything.", 2000));
            Assert.Equal(2, (await hub.NextOfAsync(longStream))["type"]!.GetValue<int>());
            await hub.CancelAsync(longStream);
            var follow = await BusyRetry.RetryWhileBusyAsync(() => hub.InvokeAsync("ResumeSession", other));
            Assert.Empty(follow!["turns"]!.AsArray());
            var next = await hub.StartStreamAsync("Ask", id, Question("Is it colourful?", 4));
            JsonObject last;
            while ((last = await hub.NextOfAsync(next))["type"]!.GetValue<int>() == 2) { }
            Assert.Null(last["error"]);
            Assert.Equal(4, (await hub.InvokeAsync("ResumeSession", id))!["turns"]!.AsArray().Count);
            var afterCancel = await BusyRetry.RetryWhileBusyAsync(async () => await AskAsync(http, other, "Short one?", 2));
            Assert.Equal(1, afterCancel["turn"]!["index"]!.GetValue<int>());

            // Errors come back as hub errors named by their problem code.
            var error = await Assert.ThrowsAsync<HubError>(() => hub.InvokeAsync("ResumeSession", new string('0', 32)));
            Assert.Contains("HubException: session_not_found: ", error.Message); // SignalR prefixes a HubException's message with its own sentence
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
