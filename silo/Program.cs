using VLOrleans.Silo;
using VLOrleans.Silo.Endpoints;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Hubs;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddVLOrleans(builder.Configuration);

var app = builder.Build();
app.UseVLOrleans();
app.MapHealthEndpoints();
app.MapSessionEndpoints();
app.MapHub<SessionHub>("/hubs/chat");
app.Run();

/// <summary>Entry point; declared partial so functional tests can host the real program.</summary>
public partial class Program;
