# Build
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Engine/EventEngine.Engine.csproj src/Engine/
COPY src/Projections/EventEngine.Projections.csproj src/Projections/
COPY src/Demo/EventEngine.Demo.csproj src/Demo/
COPY src/Api/EventEngine.Api.csproj src/Api/
RUN dotnet restore src/Api/EventEngine.Api.csproj
COPY migrations/ migrations/
COPY src/ src/
RUN dotnet publish src/Api/EventEngine.Api.csproj -c Release --no-restore -o /app

# Run
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "EventEngine.Api.dll"]
CMD ["--urls", "http://0.0.0.0:8080"]
