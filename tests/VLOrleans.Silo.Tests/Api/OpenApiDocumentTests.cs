using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// The OpenAPI document the server serves (<c>/openapi/v1.json</c>) against README.md's API reference: every operation
/// in one is in the other, and the refusals are described with the problem body's <c>code</c>.
/// </summary>
[Collection(TinyServerCollection.Name)]
public sealed partial class OpenApiDocumentTests(TinyServerFixture fixture)
{
    [Fact]
    public async Task The_document_and_the_README_list_the_same_routes()
    {
        var document = await DocumentAsync();

        var documented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
                documented.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
        var readme = ReadmeRoutes();

        Assert.Empty(documented.Except(readme)); // in the document, missing from the README
        Assert.Empty(readme.Except(documented)); // in the README, not served (or not documented)
        // The ones the README says are left out, are.
        Assert.DoesNotContain(documented, r => r.EndsWith(" /metrics", StringComparison.Ordinal) || r.Contains("/hubs/", StringComparison.Ordinal)
            || r.Contains("/dashboard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refusals_are_described_as_problem_details_with_a_code()
    {
        var document = await DocumentAsync();

        var ask = document.GetProperty("paths").GetProperty("/api/v1/sessions/{id}/messages").GetProperty("post").GetProperty("responses");
        Assert.Equal(["200", "400", "401", "404", "409", "413", "422", "429", "503"], ask.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        var schema = ask.GetProperty("409").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();
        Assert.Equal("#/components/schemas/ProblemDetails", schema);
        var problem = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails").GetProperty("properties");
        Assert.Equal("string", problem.GetProperty("code").GetProperty("type").GetString());
        Assert.True(problem.TryGetProperty("detail", out _));
        // The OpenAI routes refuse in OpenAI's envelope instead.
        var completions = document.GetProperty("paths").GetProperty("/v1/chat/completions").GetProperty("post").GetProperty("responses");
        Assert.Equal("#/components/schemas/OpenAiErrorEnvelope",
            completions.GetProperty("429").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await fixture.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The "METHOD /path" rows of README.md's "### API reference" table.</summary>
    private static SortedSet<string> ReadmeRoutes()
    {
        var readme = File.ReadAllText(RepositoryFile("README.md"));
        var start = readme.IndexOf("\n### API reference\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no ### API reference section");
        var end = readme.IndexOf("\n#", start + 5, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var routes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match row in RouteRow().Matches(section)) routes.Add($"{row.Groups["method"].Value} {row.Groups["path"].Value}");
        Assert.NotEmpty(routes);
        return routes;
    }

    private static string RepositoryFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VLOrleans.sln"))) return Path.Combine(dir.FullName, name);
        }
        throw new FileNotFoundException("the repository root (VLOrleans.sln) is not above the test's folder");
    }

    [GeneratedRegex(@"^\| `(?<method>GET|POST|PUT|PATCH|DELETE)` \| `(?<path>/[^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex RouteRow();
}
