using System.Text.Json;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Silo.Tests.Client;

/// <summary>
/// <c>vl batch --schema report.json</c>: every image's answer is JSON matching the schema (constrained decoding, so
/// even the random-weight tiny model's answers validate with an independent validator), written to JSONL as the
/// parsed object and to CSV as its JSON text — from the server (session asks with response_format) and in-process.
/// </summary>
[Collection(ClientServerCollection.Name)]
public sealed class BatchSchemaTests(ClientServerFixture server)
{
    private const string Schema = """
        {"type": "object", "properties": {
          "damaged": {"type": "boolean"},
          "severity": {"enum": ["none", "minor", "major"]},
          "parts": {"type": "array", "items": {"type": "string", "maxLength": 6}, "maxItems": 2}},
         "required": ["damaged", "severity", "parts"], "additionalProperties": false}
        """;

    [Fact]
    public async Task Every_row_holds_an_object_matching_the_schema_from_the_server_and_in_process()
    {
        var folder = Directory.CreateTempSubdirectory("vl-batch-schema-").FullName;
        try
        {
            var images = Path.Combine(folder, "photos");
            Directory.CreateDirectory(images);
            await File.WriteAllBytesAsync(Path.Combine(images, "a-gauge.jpg"), TinyModelServer.Photo("intel__gauge-1.jpg"));
            await File.WriteAllBytesAsync(Path.Combine(images, "b-toucan.png"), TinyModelServer.Photo("libpng__toucan.png"));
            await File.WriteAllBytesAsync(Path.Combine(images, "c-gauge.jpg"), TinyModelServer.Photo("intel__gauge-1.jpg"));
            var schema = Path.Combine(folder, "report.json");
            await File.WriteAllTextAsync(schema, Schema);
            string[] common = ["--question", "Report on the damage.", "--schema", schema, "--max-tokens", "120", "--temperature", "1", "--seed", "7"];

            var jsonl = Path.Combine(folder, "rows.jsonl");
            var remote = await VlProcess.RunAsync(["batch", images, "--out", jsonl, .. common,
                "--server", server.BaseAddress.ToString(), "--api-key", ClientServerFixture.ApiKey]);
            Assert.True(remote.ExitCode == 0, $"exit {remote.ExitCode}:\n{remote.StdErr}");
            var rows = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(3, rows.Count);
            foreach (var row in rows)
            {
                var answer = row.GetProperty("answer");
                Assert.Equal(JsonValueKind.Object, answer.ValueKind); // the parsed object, not a string holding it
                OpenAiStructuredOutputTests.AssertValid(Schema, answer.GetRawText(), row.GetProperty("file").GetString()!);
            }

            var csv = Path.Combine(folder, "rows.csv");
            var local = await VlProcess.RunAsync(["batch", images, "--out", csv, .. common, "--model", TinyModelServer.PackageFolder, "--threads", "1"]);
            Assert.True(local.ExitCode == 0, $"exit {local.ExitCode}:\n{local.StdErr}");
            using var parser = new Microsoft.VisualBasic.FileIO.TextFieldParser(csv)
            {
                TextFieldType = Microsoft.VisualBasic.FileIO.FieldType.Delimited,
                HasFieldsEnclosedInQuotes = true,
                TrimWhiteSpace = false,
            };
            parser.SetDelimiters(",");
            var table = new List<string[]>();
            while (!parser.EndOfData) table.Add(parser.ReadFields()!);
            Assert.Equal(4, table.Count);
            foreach (var row in table.Skip(1)) OpenAiStructuredOutputTests.AssertValid(Schema, row[2], row[0]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_schema_outside_the_supported_subset_is_a_usage_error_naming_the_keyword()
    {
        var folder = Directory.CreateTempSubdirectory("vl-batch-badschema-").FullName;
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "a.jpg"), TinyModelServer.Photo("intel__gauge-1.jpg"));
            var schema = Path.Combine(folder, "report.json");
            await File.WriteAllTextAsync(schema, """{"type": "object", "properties": {"id": {"type": "string", "pattern": "^[0-9]+$"}}}""");
            var run = await VlProcess.RunAsync(["batch", folder, "--question", "q", "--schema", schema, "--model", TinyModelServer.PackageFolder]);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("'pattern'", run.StdErr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
