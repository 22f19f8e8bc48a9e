namespace VLOrleans.Engine.Models.Package;

/// <summary>
/// The Hugging Face files besides config.json that answering needs: the tokenizer (text ↔ ids) and the image
/// preprocessor's settings (patch size, pixel limits, normalisation). Both ship with every published Qwen-VL
/// checkpoint but are easy to leave behind when copying weights. Conversion refuses a checkpoint without them, and
/// loading refuses a package without them, each naming the missing file, instead of failing deep inside the load.
/// </summary>
public static class RequiredModelFiles
{
    public static readonly string[] Names = ["tokenizer.json", "preprocessor_config.json"];

    /// <summary>Refuses a checkpoint folder that lacks a required file.</summary>
    /// <exception cref="ModelLoadException">A file of <see cref="Names"/> is missing; the message names it.</exception>
    public static void CheckCheckpoint(string folder)
    {
        if (FirstMissing(folder) is { } missing)
            throw new ModelLoadException($"{folder}: the checkpoint has no {missing}; a package converted without it could not answer. " +
                $"Copy {missing} from the model's original repository (e.g. Qwen/Qwen3-VL-2B-Instruct) into the checkpoint folder and convert again");
    }

    /// <summary>Refuses a model folder (package or onnx-community export) that lacks a required file.</summary>
    /// <exception cref="ModelLoadException">A file of <see cref="Names"/> is missing; the message names it.</exception>
    public static void CheckModel(string folder)
    {
        if (FirstMissing(folder) is { } missing)
            throw new ModelLoadException($"{folder}: the model has no {missing}, which the server needs to answer. " +
                $"Copy {missing} from the checkpoint it was converted from (or the model's original repository) into this folder");
    }

    private static string? FirstMissing(string folder) => Names.FirstOrDefault(name => !File.Exists(Path.Combine(folder, name)));
}
