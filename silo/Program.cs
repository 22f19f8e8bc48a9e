using VLOrleans.Silo;
using VLOrleans.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddVLOrleans(builder.Configuration);

var app = builder.Build();
app.UseVLOrleans();
app.MapHealthEndpoints();
app.Run();

/// <summary>Entry point; declared partial so functional tests can host the real program.</summary>
public partial class Program;
