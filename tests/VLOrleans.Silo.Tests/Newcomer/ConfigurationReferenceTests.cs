using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>
/// docs/CONFIGURATION.md is the configuration reference: one table row per setting of <see cref="VloOptions"/> and
/// its sections. These tests walk the options classes by reflection and hold the page to them, so a setting added,
/// renamed or given another default without its row fails here.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    /// <summary>A row: | `VLO:Section:Name` | `VLO__Section__Name` | `default` … | meaning |</summary>
    [GeneratedRegex(@"^\|\s*`(?<name>VLO:[^`]+)`\s*\|\s*`(?<env>[^`]+)`\s*\|\s*`(?<default>[^`]*)`[^|]*\|(?<meaning>[^|]*)\|\s*$")]
    private static partial Regex RowPattern();

    private static Dictionary<string, (string Env, string Default, string Meaning)> DocumentedRows()
    {
        var rows = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(RepositoryFiles.Path("docs", "CONFIGURATION.md")))
        {
            var match = RowPattern().Match(line);
            if (!match.Success) continue;
            Assert.True(rows.TryAdd(match.Groups["name"].Value, (match.Groups["env"].Value, match.Groups["default"].Value, match.Groups["meaning"].Value.Trim())),
                $"{match.Groups["name"].Value} is listed twice");
        }
        return rows;
    }

    /// <summary>Every setting with its configuration key and default, read from a fresh options object.</summary>
    private static IEnumerable<(string Key, object? Default, Type Type)> Settings()
    {
        var defaults = new VloOptions();
        var sections = VloOptionsValidation.SectionProperties().ToHashSet();
        foreach (var property in typeof(VloOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!sections.Contains(property))
            {
                yield return ($"VLO:{property.Name}", property.GetValue(defaults), property.PropertyType);
                continue;
            }
            var section = property.GetValue(defaults)!;
            foreach (var setting in property.PropertyType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
                yield return ($"VLO:{property.Name}:{setting.Name}", setting.GetValue(section), setting.PropertyType);
        }
    }

    /// <summary>How the page writes a default: numbers and booleans as configured, "" for an empty string, [] for an empty
    /// list, unset for an optional setting that has none.</summary>
    private static string Written(object? value) => value switch
    {
        null => "unset",
        string s => s.Length == 0 ? "\"\"" : s,
        bool b => b ? "true" : "false",
        Array { Length: 0 } => "[]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"no written form for {value}"),
    };

    [Fact]
    public void Every_setting_has_a_row_with_its_default_environment_variable_and_meaning()
    {
        var rows = DocumentedRows();
        var settings = Settings().ToList();
        Assert.True(settings.Count > 30, "the reflection walk found the settings");
        foreach (var (key, value, type) in settings)
        {
            Assert.True(rows.TryGetValue(key, out var row), $"docs/CONFIGURATION.md has no row for {key}");
            var env = key.Replace(":", "__", StringComparison.Ordinal) + (type.IsArray ? "__0" : "");
            Assert.Equal(env, row.Env);
            Assert.Equal(Written(value), row.Default);
            Assert.True(row.Meaning.Length > 10, $"{key}: the meaning is missing");
        }
    }

    [Fact]
    public void The_page_lists_no_setting_that_does_not_exist()
    {
        var known = Settings().Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var unknown = DocumentedRows().Keys.Where(k => !known.Contains(k)).ToList();
        Assert.True(unknown.Count == 0, $"docs/CONFIGURATION.md lists settings the options classes do not have: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Every_setting_has_a_summary_in_the_options_classes()
    {
        // The doc comments are where a reader of the code looks; the page repeats them. The XML documentation file
        // is built beside the silo's assembly (GenerateDocumentationFile).
        var xml = System.Xml.Linq.XDocument.Load(Path.ChangeExtension(typeof(VloOptions).Assembly.Location, ".xml"));
        var documented = xml.Descendants("member").Select(m => (string?)m.Attribute("name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var sections = VloOptionsValidation.SectionProperties().ToList();
        var owners = sections.Select(s => s.PropertyType).Append(typeof(VloOptions));
        foreach (var owner in owners)
        {
            foreach (var property in owner.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
                Assert.True(documented.Contains($"P:{owner.FullName}.{property.Name}"), $"{owner.Name}.{property.Name} has no <summary>");
        }
    }
}
