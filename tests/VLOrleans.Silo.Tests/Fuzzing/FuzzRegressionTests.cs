using System.Text;
using Microsoft.AspNetCore.Http;
using VLOrleans.Engine.Generation;
using VLOrleans.Silo.Endpoints;
using VLOrleans.Silo.Endpoints.OpenAi;
using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Tests.Fuzzing;

/// <summary>
/// Inputs the fuzzer (tools/fuzz) found that made the server answer 500, kept as regression tests: each must now be a
/// 400 <c>invalid_request</c>, refused where the body is read.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static async Task<Exception?> ReadAndTranslateAsync(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        return await Record.ExceptionAsync(async () =>
        {
            var request = await BoundedJson.ReadAsync<ChatCompletionRequest>(context.Request, 1 << 20, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web), CancellationToken.None);
            ChatCompletionTranslator.Translate(request, new LimitSettings());
        });
    }

    [Fact]
    public async Task A_message_content_with_invalid_UTF8_bytes_is_a_400_not_a_500()
    {
        // openai-json crash id:000000: the seed's "Be brief." with a stray continuation byte (0x80) in it.
        var body = Encoding.UTF8.GetBytes("{\"model\":\"vlorleans\",\"messages\":[{\"role\":\"system\",\"content\":\"Be\u0001brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}");
        body[Array.IndexOf(body, (byte)1)] = 0x80;
        var error = await ReadAndTranslateAsync(body);
        Assert.Equal((400, "invalid_request"), ProblemMapping.Classify(error!) is { } p ? (p.Status, p.Code) : (0, ""));
    }

    [Theory]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"\\uD800\"}]}")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\\uDC00b\"}]}]}")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[\"\\uD83D\"]}")]
    public async Task An_unpaired_surrogate_escape_in_a_kept_JSON_value_is_a_400_not_a_500(string json)
    {
        var error = await ReadAndTranslateAsync(Encoding.UTF8.GetBytes(json));
        Assert.NotNull(error);
        Assert.Equal((400, "invalid_request"), ProblemMapping.Classify(error) is { } p ? (p.Status, p.Code) : (0, ""));
    }

    [Fact]
    public async Task A_valid_body_with_escaped_pairs_and_non_ASCII_text_still_translates()
    {
        var error = await ReadAndTranslateAsync(Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"user\",\"content\":\"Größe? \\uD83D\\uDE00 箱\"}]}"));
        Assert.Null(error);
    }
}
