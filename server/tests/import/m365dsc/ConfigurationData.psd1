# mailflow test fixture, written by hand in the shape of the ConfigurationData.psd1 that
# Microsoft365DSC's Export-M365DSCConfiguration writes beside a configuration: AllNodes for
# DSC, and NonNodeData holding the tenant's name and the sign-in settings the configuration
# reads as $ConfigurationData.NonNodeData.*.
@{
    AllNodes = @(
        @{
            NodeName                    = "localhost"
            PSDscAllowPlainTextPassword = $true;
            PSDscAllowDomainUser        = $true;
            #region Parameters
            # Default Value Used to Ensure a Catch-All Scenario
            ServerNumber = "0"
            #endregion
        }
    )
    NonNodeData = @(
        @{
            # Tenant's default verified domain name
            OrganizationName = "fabrikamcorp.onmicrosoft.com"

            # Azure AD Application Id for Authentication
            ApplicationId = "6b4f1c2a-0d3e-4b5a-9c8d-7e6f5a4b3c2d"

            # Thumbprint of the certificate to use for authentication
            CertificateThumbprint = "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"
        }
    )
}
