using VLOrleans.Silo.Errors;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// The <c>model</c> a chat request names must be the one this server serves: its id
/// (<c>VLO:OpenAi:ModelName</c>, what <c>/v1/models</c> lists) or one of <c>VLO:OpenAi:ModelAliases</c> (so a client
/// configured for, say, <c>gpt-4o-mini</c> or <c>Qwen/Qwen3-VL-2B-Instruct</c> can be pointed here unchanged).
/// Anything else is OpenAI's 404 <c>model_not_found</c>, never an answer from a model the client did not ask for.
/// A request without <c>model</c> gets the served model (as llama.cpp and vLLM's single-model servers do): there is
/// only one it could mean.
/// </summary>
public static class ServedModel
{
    public const string NotFoundCode = "model_not_found";

    public static void Check(string? model, OpenAiSettings settings)
    {
        if (model is null || model == settings.ModelName || settings.ModelAliases.Contains(model, StringComparer.Ordinal)) return;
        throw new RequestRejectedException(StatusCodes.Status404NotFound, NotFoundCode,
            $"The model '{model}' does not exist here: this server serves '{settings.ModelName}' (GET /v1/models).", "model");
    }
}
