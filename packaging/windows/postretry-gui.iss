; Inno Setup 6 script for postretry-gui: a per-user install (no administrator rights) of the
; PyInstaller onedir build, with a Start menu entry and an uninstaller.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\postretry-gui.iss
;
; Run from the repository root after PyInstaller; reads dist\postretry-gui\ and writes
; dist\postretry-gui-<version>-windows-x64-setup.exe.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\postretry-gui.iss
#endif
#define AppName "postretry-gui"
#define AppExe "postretry-gui.exe"
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
; A fixed AppId keeps upgrades and the uninstaller tied to one product across versions.
AppId={{7C0E9B52-3D1A-4B7E-9A55-2F6C1D0E8B41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=postretry-gui maintainers
VersionInfoVersion={#AppVersion}
; Per-user: installs under %LOCALAPPDATA%\Programs, writes HKCU only, needs no UAC prompt.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
SetupIconFile={#Root}\resources\app\postretry-gui.ico
OutputDir={#Root}\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\dist\postretry-gui\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{#AppName} (demo)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
