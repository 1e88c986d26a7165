<#ftl output_format="plainText">
<#-- A security notice of keycloak-two-step (text part). noticeKey: the message key stem of the notice's kind;
     noticeParams: {0} the realm's name, then the notice's values, already safe (numbers masked). -->
${msg(noticeKey + "Body", noticeParams[0], noticeParams[1], noticeParams[2], noticeParams[3], noticeParams[4])}

${msg(noticeKey + "NotYou")}

--
${msg("twoStepNoticeFooter", noticeParams[0])}
