using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace VLOrleans.Silo.Hosting;

/// <summary>
/// Validates the nested sections of <see cref="VloOptions"/> (<c>VLO:Engine</c>, <c>VLO:Limits</c>, …) by their
/// data annotations. <c>ValidateDataAnnotations</c> checks only the top-level properties, so without this a
/// <c>VLO__Engine__SlotCount=-1</c> passed start-up and failed later, far from its cause. Each failure names the
/// setting as it is configured (<c>VLO:Engine:SlotCount</c>); with <c>ValidateOnStart</c> the server stops with it.
/// </summary>
public sealed class VloOptionsValidation : IValidateOptions<VloOptions>
{
    public ValidateOptionsResult Validate(string? name, VloOptions options)
    {
        var failures = new List<string>();
        foreach (var section in SectionProperties())
        {
            if (section.GetValue(options) is not { } value) continue;
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true)) continue;
            foreach (var result in results)
            {
                foreach (var member in result.MemberNames.DefaultIfEmpty("?"))
                {
                    var setting = $"{VloOptions.SectionName}:{section.Name}:{member}";
                    var current = value.GetType().GetProperty(member)?.GetValue(value);
                    failures.Add($"{setting} = '{current}' is invalid: {result.ErrorMessage}");
                }
            }
        }
        failures.AddRange(Cluster.ClusterRules.Check(options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The properties of <see cref="VloOptions"/> that are sections (classes of settings), not settings.</summary>
    public static IEnumerable<PropertyInfo> SectionProperties() =>
        typeof(VloOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType.IsClass && p.PropertyType != typeof(string) && !p.PropertyType.IsArray);
}
