using VLOrleans.Silo;

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapHealthEndpoints();
app.Run();

/// <summary>Entry point; declared partial so functional tests can host the real program.</summary>
public partial class Program;
