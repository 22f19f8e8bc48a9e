using System.Reflection;
using VLOrleans.Engine.Onnx;

namespace VLOrleans.Engine.Tests.Onnx;

/// <summary>STYLE.md §4.1 / "What to avoid": pointers stop at the interop layer.</summary>
public sealed class InteropBoundaryTests
{
    private static readonly Assembly Engine = typeof(OnnxSession).Assembly;

    [Fact]
    public void NoPublicTypesInTheInteropNamespace() =>
        Assert.DoesNotContain(Engine.GetExportedTypes(), t => t.Namespace == "VLOrleans.Engine.Onnx.Interop");

    [Fact]
    public void NoPublicMemberOfTheBindingExposesAPointerOrHandle()
    {
        var offenders = new List<string>();
        foreach (var type in Engine.GetExportedTypes().Where(t => t.Namespace is "VLOrleans.Engine.Onnx" or "VLOrleans.Engine.OnnxGraph"))
        {
            const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(visible))
            {
                var types = member switch
                {
                    PropertyInfo p => [p.PropertyType],
                    FieldInfo f => [f.FieldType],
                    MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType),
                    ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
                    _ => [],
                };
                if (types.Any(IsNative)) offenders.Add($"{type.Name}.{member.Name}");
            }
        }
        Assert.Empty(offenders);
    }

    private static bool IsNative(Type t)
    {
        var e = t.IsByRef ? t.GetElementType()! : t;
        return e == typeof(nint) || e == typeof(nuint) || e.IsPointer || e.IsFunctionPointer || typeof(System.Runtime.InteropServices.SafeHandle).IsAssignableFrom(e);
    }
}
