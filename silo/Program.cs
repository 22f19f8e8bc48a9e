using VLOrleans.Silo;
using VLOrleans.Silo.Endpoints;
using VLOrleans.Silo.Hosting;
using VLOrleans.Silo.Hubs;

// Content root = the executable's folder, so appsettings.json is found whatever the working directory (make run, tests).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddVLOrleans(builder.Configuration);
builder.AddVLOrleansSilo();
builder.Services.AddWebUi();
builder.Services.AddApiDocument();

var app = builder.Build();
app.UseVLOrleans();
app.MapWebUi();
app.MapHealthEndpoints();
app.MapOpenAiEndpoints();
app.MapChatEndpoints();
app.MapSessionEndpoints();
app.MapApiDocument();
app.MapHub<SessionHub>("/hubs/chat");
app.MapDashboard();
app.Run();

/// <summary>Entry point; declared partial so functional tests can host the real program.</summary>
public partial class Program;
