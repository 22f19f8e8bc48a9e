namespace VLOrleans.Engine.Models;

/// <summary>A model folder, checkpoint or config could not be read; the message names the file and what is wrong.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message) : base(message) { }

    public ModelLoadException(string message, Exception inner) : base(message, inner) { }
}
