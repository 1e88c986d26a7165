<#-- Application-initiated: end every remembered device of the user at once. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout; section>
    <#if section="header">
        ${msg("twoStepForgetTitle")}
    <#elseif section="form">
        <#if trustedDevices?has_content>
            <p>${msg("twoStepForgetIntro")}</p>
            <ul id="trusted-device-list" class="${properties.kcListClass!}">
                <#list trustedDevices as device>
                    <li>${device.label} (${msg("twoStepForgetUntil", device.until)})</li>
                </#list>
            </ul>
        <#else>
            <p id="trusted-device-none">${msg("twoStepForgetNone")}</p>
        </#if>
        <form id="kc-forget-trusted-devices-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <#if trustedDevices?has_content>
                        <button id="trusted-device-forget-all" name="forget" value="true" type="submit" style="white-space: normal"
                                class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepForgetAll")}</button>
                    </#if>
                    <#if isAppInitiatedAction??>
                        <button id="two-step-cancel" name="cancel-aia" value="true" type="submit" style="white-space: normal"
                                class="${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}">${msg("doCancel")}</button>
                    </#if>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
