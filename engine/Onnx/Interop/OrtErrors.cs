using System.Text.RegularExpressions;
using ManagedOrtException = Microsoft.ML.OnnxRuntime.OnnxRuntimeException;

namespace VLOrleans.Engine.Onnx.Interop;

/// <summary>
/// The one place an ONNX Runtime failure becomes our <see cref="OnnxRuntimeException"/> (STYLE.md §4.3): the managed
/// API's exception carries ORT's code only in its message ("[ErrorCode:InvalidArgument] …"), so it is read from there.
/// </summary>
internal static partial class OrtErrors
{
    public static T Translate<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (ManagedOrtException e)
        {
            throw From(e);
        }
    }

    public static void Translate(Action call)
    {
        try
        {
            call();
        }
        catch (ManagedOrtException e)
        {
            throw From(e);
        }
    }

    public static OnnxRuntimeException From(ManagedOrtException e)
    {
        var match = CodePrefix().Match(e.Message);
        if (!match.Success) return new OnnxRuntimeException(OnnxErrorCode.Fail, e.Message, e);
        return new OnnxRuntimeException(CodeOf(match.Groups[1].Value), e.Message[match.Length..], e);
    }

    /// <summary>The managed enum names codes 11 and 12 after an older header (EP_FAIL and MODEL_LOAD_CANCELED in C
    /// today) and prints newer codes as numbers; both map back to the C value.</summary>
    private static OnnxErrorCode CodeOf(string name) => name switch
    {
        "ShapeInferenceNotRegistered" => OnnxErrorCode.EpFail,
        "RequirementNotRegistered" => OnnxErrorCode.ModelLoadCanceled,
        _ => Enum.TryParse<OnnxErrorCode>(name, out var parsed) ? parsed : OnnxErrorCode.Fail,
    };

    [GeneratedRegex(@"^\[ErrorCode:(\w+)\]\s*")]
    private static partial Regex CodePrefix();
}
