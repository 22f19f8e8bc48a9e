using System.Reflection;
using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Tests.Architecture;

/// <summary>Architecture rules as tests (STYLE.md §6.4): the engine stays a plain library, and native
/// pointers never escape onto its public surface.</summary>
public sealed class EngineBoundaryTests
{
    private static readonly Assembly Engine = typeof(QwenVlConfig).Assembly;

    [Fact]
    public void Engine_references_no_web_or_storage_assembly()
    {
        var forbidden = new[] { "Microsoft.AspNetCore", "Microsoft.Data.Sqlite", "Npgsql", "VLOrleans.Grains", "VLOrleans.Silo" };
        var referenced = Engine.GetReferencedAssemblies().Select(a => a.Name ?? "").ToArray();
        Assert.DoesNotContain(referenced, name => forbidden.Any(f => name.StartsWith(f, StringComparison.Ordinal)));
    }

    [Fact]
    public void No_public_member_of_the_engine_exposes_a_raw_pointer()
    {
        var offenders = new List<string>();
        foreach (var type in Engine.GetExportedTypes())
        {
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(flags))
            {
                var types = member switch
                {
                    FieldInfo f => [f.FieldType],
                    PropertyInfo p => [p.PropertyType],
                    MethodInfo m => m.GetParameters().Select(x => x.ParameterType).Append(m.ReturnType),
                    ConstructorInfo c => c.GetParameters().Select(x => x.ParameterType),
                    _ => [],
                };
                if (types.Any(IsPointerLike)) offenders.Add($"{type.FullName}.{member.Name}");
            }
        }
        Assert.Empty(offenders);
    }

    private static bool IsPointerLike(Type t)
    {
        while (t.IsByRef || t.IsArray) t = t.GetElementType()!;
        return t.IsPointer || t == typeof(IntPtr) || t == typeof(UIntPtr) || t.IsFunctionPointer;
    }
}
